using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Ffmpeg;

/// <summary>Decodes a video through an ffmpeg pipe of raw rgb24 frames straight into uint8 <c>[3,H,W]</c> tensors.</summary>
public static class VideoDecoder
{
    /// <summary>
    /// Yields the frames whose 0-based index passes <paramref name="keep"/>, stopping (and ending ffmpeg) once
    /// <paramref name="stopAfter"/> frames were yielded.
    /// </summary>
    public static IEnumerable<Tensor> Frames(string path, Func<int, bool> keep, int stopAfter, Device device)
    {
        var info = VideoInfo.Probe(path);
        int frameBytes = info.Width * info.Height * 3;
        using var process = FfmpegTool.Start("ffmpeg", ["-v", "error", "-nostdin", "-i", path, "-map", "0:v:0",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], redirectOutput: true);
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.BaseStream;
        var buffer = new byte[frameBytes];
        int index = 0, yielded = 0;
        try
        {
            while (yielded < stopAfter)
            {
                int read = stdout.ReadAtLeast(buffer, frameBytes, throwOnEndOfStream: false);
                if (read < frameBytes) break;
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
        if (yielded == 0 && process.ExitCode != 0 && process.ExitCode != 137)
            throw new InvalidDataException($"'{path}' could not be decoded: {stderr.Result.Trim()}");
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
