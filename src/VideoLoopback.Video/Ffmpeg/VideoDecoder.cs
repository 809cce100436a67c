using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Ffmpeg;

/// <summary>
/// Decodes a video through an ffmpeg pipe of raw rgb24 frames straight into uint8 <c>[3,H,W]</c> tensors, upright at the
/// displayed size (ffmpeg applies the rotation metadata; <see cref="VideoInfo"/> turns the size with it).
/// </summary>
public static class VideoDecoder
{
    /// <summary>
    /// Yields the frames whose 0-based index passes <paramref name="keep"/>, stopping (and ending ffmpeg) once
    /// <paramref name="stopAfter"/> frames were yielded. A video that ends early throws <see cref="InvalidDataException"/> naming the file:
    /// ffmpeg failed, reported a decoding error, or gave fewer frames than the container declares.
    /// </summary>
    public static IEnumerable<Tensor> Frames(string path, Func<int, bool> keep, int stopAfter, Device device)
    {
        var info = VideoInfo.Probe(path);
        long frameBytes = (long)info.Width * info.Height * 3;
        if (frameBytes > Array.MaxLength)
            throw new InvalidDataException($"'{path}': {info.Width}x{info.Height} frames are too large to decode");
        using var process = FfmpegTool.Start("ffmpeg", ["-v", "error", "-nostdin", "-i", FfmpegTool.LiteralPath(path), "-map", "0:v:0",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], redirectOutput: true);
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.BaseStream;
        var buffer = new byte[frameBytes];
        int index = 0, yielded = 0;
        bool ended = false;
        try
        {
            while (yielded < stopAfter)
            {
                int read = stdout.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
                if (read < buffer.Length) { ended = true; break; }
                if (keep(index++))
                {
                    yielded++;
                    yield return ToFrame(buffer, info, device);
                }
            }
        }
        finally
        {
            if (!process.HasExited) { try { process.Kill(); } catch (InvalidOperationException) { } }
            process.WaitForExit();
        }
        // Stopped early on purpose: what lies beyond the frames taken does not matter.
        if (ended) CheckComplete(path, info, index, process.ExitCode, stderr.Result);
    }

    /// <summary>Throws when a video read to its end was not read whole.</summary>
    private static void CheckComplete(string path, VideoInfo info, int decoded, int exitCode, string errors)
    {
        string last = FfmpegTool.LastLine(errors);
        string Detail() => last.Length > 0 ? $": {last}" : "";
        if (exitCode != 0)
            throw new InvalidDataException($"'{path}' could not be decoded (ffmpeg exit status {exitCode}){Detail()}");
        // A constant-rate stream decodes to exactly its frames; a variable-rate one is resampled, so its count may differ.
        bool shortened = info.ConstantFrameRate && info.DeclaredFrames is { } declared && decoded < declared;
        if (last.Length > 0 || shortened)
        {
            string count = info.DeclaredFrames is { } d ? $"{decoded} of {d} frames" : $"{decoded} frames";
            throw new InvalidDataException($"'{path}' is corrupt or truncated: decoded {count}{Detail()}");
        }
    }

    private static Tensor ToFrame(byte[] rgb24, VideoInfo info, Device device)
    {
        using var hwc = tensor(rgb24, dtype: ScalarType.Byte).view(info.Height, info.Width, 3);
        using var chw = hwc.permute(2, 0, 1);
        var frame = chw.contiguous();
        if (frame.device_type == device.type) return frame;
        using (frame) return frame.to(device);
    }
}
