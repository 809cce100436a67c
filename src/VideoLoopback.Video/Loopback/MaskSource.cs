using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// use_mask: the inpainting mask of the current frame, as the original's current_mask. mask_dir empty: the frame's alpha
/// channel; a folder: the file named like the current frame (loop 2 on: like the previous loop's output, 0000000.png...);
/// a file: that mask for every frame. Thresholded (<c>255 if x > threshold else 0</c>), then resized when its size differs
/// or the resize mode is not 0, and kept an L mask.
/// </summary>
public sealed class MaskSource : IDisposable
{
    private readonly JobSpec _job;
    private readonly Device _device;
    private readonly Tensor? _single;
    private readonly Dictionary<string, Tensor?> _byName = [];
    private readonly byte[] _threshold;

    public MaskSource(JobSpec job, Device device)
    {
        _job = job;
        _device = device;
        int thr = job.MaskThreshold;
        _threshold = ImagePoint.Lut(x => x > thr ? 255 : 0);
        if (job.UseMask && job.MaskDir.Length > 0 && File.Exists(job.MaskDir))
            _single = Prepare(ImageFile.Read(job.MaskDir, device, job.MaxImagePixels).Image);
    }

    /// <summary>Called with each warning the original prints (a frame without mask).</summary>
    public Action<string> Warn { get; init; } = _ => { };

    /// <summary>The L mask <c>[1,H,W]</c> for <paramref name="frame"/>, or null (no mask). Call inside a dispose scope: an alpha mask is new each call.</summary>
    public Tensor? For(SourceFrame frame)
    {
        if (!_job.UseMask) return null;
        if (_single is not null) return _single;
        if (_job.MaskDir.Length == 0)
        {
            if (frame.Pixels.shape[0] == 4)
            {
                using var scope = NewDisposeScope();
                return ImagePoint.Point(frame.Pixels.narrow(0, 3, 1), _threshold).MoveToOuterDisposeScope();
            }
            Warn($"Warning: \"{frame.Path ?? frame.Name}\" has no alpha mask");
            return null;
        }
        if (_byName.TryGetValue(frame.Name, out var cached)) return cached;
        var path = Path.Combine(_job.MaskDir, frame.Name);
        Tensor? mask = null;
        if (File.Exists(path)) mask = Prepare(ImageFile.Read(path, _device, _job.MaxImagePixels).Image);
        else Warn($"Warning: \"{path}\" has no mask");
        _byName[frame.Name] = mask;
        return mask;
    }

    private Tensor Prepare(Tensor raw)
    {
        using var scope = NewDisposeScope();
        using (raw)
        {
            var l = FrameModes.Convert(raw, 1);
            var binary = ImagePoint.Point(l, _threshold);
            // Crop-and-resize and resize-and-fill paste onto an RGB canvas (WebUI's resize_image): back to L, grey stays grey.
            var mask = FrameModes.Convert(FrameResize.Resize(binary, _job.Width, _job.Height, _job.ResizeMode), 1);
            mask.DetachFromDisposeScope();
            return mask;
        }
    }

    public void Dispose()
    {
        _single?.Dispose();
        foreach (var m in _byName.Values) m?.Dispose();
    }
}
