using System.Diagnostics;
using System.Globalization;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Ffmpeg;

/// <summary>
/// Encodes frames through an ffmpeg pipe: libx264, lossless (<c>-qp 0</c>), yuv420p, like the original's videos, and
/// optionally with the audio track of a source video (which the original dropped).
/// </summary>
public sealed class VideoEncoder : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;
    private readonly Stream _stdin;
    private readonly int _width, _height, _channels;
    private readonly string _output;

    public VideoEncoder(string output, int width, int height, int channels, double frameRate, string? audioSource, int frameCount)
    {
        if (width % 2 != 0 || height % 2 != 0)
            throw new ArgumentException($"yuv420p video needs an even width and height, got {width}x{height}");
        _output = output;
        _width = width; _height = height; _channels = channels;
        var args = new List<string> { "-v", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", channels == 4 ? "rgba" : "rgb24", "-s", $"{width}x{height}",
            "-r", frameRate.ToString(CultureInfo.InvariantCulture), "-i", "-" };
        // The audio is cut to the video's length (-t rather than -shortest, which stops early on piped input).
        if (audioSource != null)
            args.AddRange(["-i", audioSource, "-map", "0:v:0", "-map", "1:a?", "-c:a", "aac",
                "-t", (frameCount / frameRate).ToString("R", CultureInfo.InvariantCulture)]);
        args.AddRange(["-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p", output]);
        _process = FfmpegTool.Start("ffmpeg", args, redirectInput: true);
        _stderr = _process.StandardError.ReadToEndAsync();
        _stdin = _process.StandardInput.BaseStream;
    }

    /// <summary>Appends one uint8 frame <c>[C,H,W]</c> (C as given to the constructor).</summary>
    public void Write(Tensor frame)
    {
        if (frame.shape[0] != _channels || frame.shape[1] != _height || frame.shape[2] != _width)
            throw new ArgumentException($"frame [{string.Join(",", frame.shape)}] does not match the video's [{_channels},{_height},{_width}]");
        using var hwc = frame.permute(1, 2, 0).contiguous().cpu();
        _stdin.Write(hwc.bytes);
    }

    /// <summary>Closes the pipe and waits for ffmpeg; throws with ffmpeg's message when encoding failed.</summary>
    public void Finish()
    {
        _stdin.Close();
        _process.WaitForExit();
        if (_process.ExitCode != 0)
            throw new InvalidOperationException($"encoding '{_output}' failed: {_stderr.Result.Trim()}");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try { _stdin.Close(); } catch (IOException) { }
            if (!_process.WaitForExit(10_000)) _process.Kill();
        }
        _process.Dispose();
    }
}
