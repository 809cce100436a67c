using System.Diagnostics;
using System.Globalization;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Ffmpeg;

/// <summary>
/// Encodes frames through an ffmpeg pipe as <see cref="VideoEncoding"/> says (by default libx264, lossless <c>-qp 0</c>,
/// yuv420p, like the original's videos), optionally with the part of a source video's audio the frames show, retimed to
/// the output frame rate (<see cref="AudioSpan"/>; the original dropped the audio).
/// </summary>
public sealed class VideoEncoder : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;
    private readonly Stream _stdin;
    private readonly int _width, _height, _channels;
    private readonly string _output;

    public VideoEncoder(string output, int width, int height, int channels, double frameRate, AudioSpan? audio, int frameCount,
        VideoEncoding? encoding = null)
    {
        encoding ??= VideoEncoding.Default;
        if (encoding.NeedsEvenSize(channels) && (width % 2 != 0 || height % 2 != 0))
            throw new ArgumentException($"{encoding.PixelFormatFor(channels)} video needs an even width and height, got {width}x{height}");
        _output = output;
        _width = width; _height = height; _channels = channels;
        _process = FfmpegTool.Start("ffmpeg", Arguments(output, width, height, channels, frameRate, audio, frameCount, encoding), redirectInput: true);
        _stderr = _process.StandardError.ReadToEndAsync();
        _stdin = _process.StandardInput.BaseStream;
    }

    /// <summary>The ffmpeg command line: raw frames on stdin, the audio span (if any), the encoding, the output file.</summary>
    public static IReadOnlyList<string> Arguments(string output, int width, int height, int channels, double frameRate, AudioSpan? audio,
        int frameCount, VideoEncoding encoding)
    {
        var args = new List<string> { "-v", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", channels == 4 ? "rgba" : "rgb24", "-s", $"{width}x{height}",
            "-r", frameRate.ToString(CultureInfo.InvariantCulture), "-i", "-" };
        // The audio is cut to the video's length (-t rather than -shortest, which stops early on piped input).
        if (audio != null)
        {
            args.AddRange(audio.InputArguments);
            args.AddRange(["-map", "0:v:0", "-map", "1:a?"]);
            if (audio.Filter is { } filter) args.AddRange(["-filter:a", filter]);
            args.AddRange(["-c:a", encoding.AudioCodec, "-t", (frameCount / frameRate).ToString("R", CultureInfo.InvariantCulture)]);
        }
        args.AddRange(encoding.Arguments(channels));
        args.Add(output);
        return args;
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
