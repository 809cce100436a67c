using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Ffmpeg;

/// <summary>
/// Encodes frames through an ffmpeg pipe as <see cref="VideoEncoding"/> says (by default libx264, lossless <c>-qp 0</c>,
/// yuv420p, like the original's videos), optionally with the part of a source video's audio the frames show, retimed to
/// the output frame rate (<see cref="AudioSpan"/>; the original dropped the audio). ffmpeg writes to a temporary file
/// beside the output (an unpredictable name, created exclusively), renamed onto the output only once ffmpeg succeeded, so
/// a video that exists is complete; a failed or abandoned encoding leaves no file behind.
/// </summary>
public sealed class VideoEncoder : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;
    private readonly Stream _stdin;
    private readonly int _width, _height, _channels;
    private readonly string _output, _partial;
    private readonly AudioSpan? _audio;
    private bool _finished;

    public VideoEncoder(string output, int width, int height, int channels, double frameRate, AudioSpan? audio, int frameCount,
        VideoEncoding? encoding = null)
    {
        encoding ??= VideoEncoding.Default;
        if (encoding.NeedsEvenSize(channels) && (width % 2 != 0 || height % 2 != 0))
            throw new ArgumentException($"{encoding.PixelFormatFor(channels)} video needs an even width and height, got {width}x{height}");
        _output = output;
        _audio = audio;
        _width = width; _height = height; _channels = channels;
        _partial = CreatePartialFile(output);
        try
        {
            var literalAudio = audio is null ? null : audio with { Source = FfmpegTool.LiteralPath(audio.Source) };
            var arguments = Arguments(FfmpegTool.LiteralPath(_partial), width, height, channels, frameRate, literalAudio, frameCount, encoding);
            _process = FfmpegTool.Start("ffmpeg", arguments, redirectInput: true);
        }
        catch
        {
            File.Delete(_partial);
            throw;
        }
        _stderr = _process.StandardError.ReadToEndAsync();
        _stdin = _process.StandardInput.BaseStream;
    }

    /// <summary>
    /// Creates an empty file beside <paramref name="output"/> with a random part in its name and the output's extension (ffmpeg
    /// picks the container from it), e.g. <c>run-loop_1.partial-3f9c0a1b2d4e6f80.mp4</c>. CreateNew fails on any existing
    /// entry, a symbolic link included, so nothing else is overwritten or followed.
    /// </summary>
    private static string CreatePartialFile(string output)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(output))!;
        var name = $"{Path.GetFileNameWithoutExtension(output)}.partial-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}"
            + Path.GetExtension(output);
        var path = Path.Combine(folder, name);
        new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None).Dispose();
        return path;
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

    /// <summary>
    /// Closes the pipe, waits for ffmpeg and renames the finished video onto the output; throws with ffmpeg's message when
    /// encoding failed, or when reading the audio source reported an error (the audio would be cut short or damaged).
    /// </summary>
    public void Finish()
    {
        _stdin.Close();
        _process.WaitForExit();
        if (_process.ExitCode != 0)
        {
            var source = _audio is null ? "" : $" (audio from '{_audio.Source}')";
            throw new InvalidOperationException($"encoding '{_output}'{source} failed: {_stderr.Result.Trim()}");
        }
        if (_audio is not null && FfmpegTool.LastLine(_stderr.Result) is { Length: > 0 } error)
            throw new InvalidDataException($"'{_audio.Source}': its audio could not be read whole for '{_output}': {error}");
        File.Move(_partial, _output, overwrite: true);
        _finished = true;
    }

    /// <summary>Ends an unfinished encoding at once (no partial video is worth waiting for) and removes the temporary file.</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(); } catch (InvalidOperationException) { }
            _process.WaitForExit();
        }
        _process.Dispose();
        try { _stdin.Dispose(); } catch (IOException) { }
        if (!_finished) File.Delete(_partial);
    }
}
