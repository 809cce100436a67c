using System.Diagnostics;
using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Vae;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Generation;

/// <summary>
/// A live preview of a long render: at most once per <see cref="Interval"/>, the sampler's current prediction of the clean
/// latent (the first image of the batch) decoded with <see cref="CheapLatentApproximation"/> and written to
/// <see cref="Path"/>. The file is replaced atomically (written beside it, then renamed), so a viewer never reads half a PNG.
/// Between previews a step costs one clock read: no decoding, no copy off the device.
/// </summary>
public sealed class LatentPreview(string path)
{
    private long _lastWrite;
    private bool _written;

    /// <summary>The preview file, e.g. <c>&lt;run folder&gt;/preview.png</c>.</summary>
    public string Path { get; } = path;

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The sampler step callback: writes a preview when one is due.</summary>
    public void OnStep(SamplerStep step)
    {
        long now = Stopwatch.GetTimestamp();
        if (_written && Stopwatch.GetElapsedTime(_lastWrite, now) < Interval) return;
        _lastWrite = now;
        _written = true;
        using var scope = NewDisposeScope();
        using var image = CheapLatentApproximation.ToImage(step.Denoised[0]).cpu();
        var temporary = Path + ".tmp";
        try
        {
            ImageFile.Write(temporary, image);
            File.Move(temporary, Path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A preview that cannot be written (full disk, a viewer locking the file) must not stop the render.
        }
    }
}
