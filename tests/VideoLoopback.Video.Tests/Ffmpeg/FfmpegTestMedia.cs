using System.Globalization;
using VideoLoopback.Video.Ffmpeg;

namespace VideoLoopback.Video.Tests.Ffmpeg;

/// <summary>Test videos made with the installed ffmpeg, and what ffprobe / ffmpeg read back from written files.</summary>
public static class FfmpegTestMedia
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// A lossless testsrc video (ffv1 in .mkv) of <paramref name="seconds"/> at <paramref name="fps"/>; with a marker, its audio
    /// is silence with a 50 ms 1 kHz tone burst starting at <paramref name="markerSeconds"/>.
    /// </summary>
    public static string Video(string folder, int width, int height, int fps, double seconds, double? markerSeconds)
    {
        var path = Path.Combine(folder, markerSeconds is null ? "silent.mkv" : "marked.mkv");
        var args = new List<string> { "-v", "error", "-y",
            "-f", "lavfi", "-t", seconds.ToString(Invariant), "-i", $"testsrc=size={width}x{height}:rate={fps}" };
        if (markerSeconds is { } t)
        {
            var start = t.ToString(Invariant);
            var end = (t + 0.05).ToString(Invariant);
            args.AddRange(["-f", "lavfi", "-t", seconds.ToString(Invariant),
                "-i", $"aevalsrc=if(between(t\\,{start}\\,{end})\\,0.8*sin(2*PI*1000*t)\\,0):s=44100", "-c:a", "pcm_s16le"]);
        }
        args.AddRange(["-c:v", "ffv1", path]);
        FfmpegTool.Run("ffmpeg", [.. args]);
        return path;
    }

    /// <summary>A stream's duration in seconds as ffprobe reports it (<c>v:0</c> or <c>a:0</c>).</summary>
    public static double Duration(string path, string stream) => double.Parse(FfmpegTool.Run("ffprobe", "-v", "error", "-select_streams",
        stream, "-show_entries", "stream=duration", "-of", "csv=p=0", path).Trim(), Invariant);

    /// <summary>Counted video frames (decoded, not the header's claim).</summary>
    public static int FrameCount(string path) => int.Parse(FfmpegTool.Run("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames",
        "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path).Trim(), Invariant);

    public static bool HasAudio(string path) => FfmpegTool.Run("ffprobe", "-v", "error", "-select_streams", "a",
        "-show_entries", "stream=index", "-of", "csv=p=0", path).Trim().Length > 0;

    /// <summary>Where the audio first gets loud (|sample| above a quarter of full scale), in seconds from the start.</summary>
    public static double FirstLoudSecond(string path)
    {
        const int rate = 8000;
        var pcm = FfmpegToolBytes(path, rate);
        for (int i = 0; i + 1 < pcm.Length; i += 2)
            if (Math.Abs((int)BitConverter.ToInt16(pcm, i)) > 8192) return i / 2 / (double)rate;
        return double.NaN;
    }

    private static byte[] FfmpegToolBytes(string path, int rate)
    {
        using var process = FfmpegTool.Start("ffmpeg", ["-v", "error", "-nostdin", "-i", path, "-map", "0:a:0", "-ac", "1", "-ar",
            rate.ToString(Invariant), "-f", "s16le", "-"], redirectOutput: true);
        var stderr = process.StandardError.ReadToEndAsync();
        using var memory = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(memory);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"decoding the audio of {path} failed: {stderr.Result}");
        return memory.ToArray();
    }
}
