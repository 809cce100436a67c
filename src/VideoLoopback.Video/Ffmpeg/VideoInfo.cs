using System.Globalization;

namespace VideoLoopback.Video.Ffmpeg;

/// <summary>What ffprobe says about a video file: the first video stream's size and frame rate, and whether it has audio.</summary>
public sealed record VideoInfo(int Width, int Height, double FrameRate, bool HasAudio)
{
    public static VideoInfo Probe(string path)
    {
        string video;
        try
        {
            video = FfmpegTool.Run("ffprobe", "-v", "error", "-select_streams", "v:0",
                "-show_entries", "stream=width,height,avg_frame_rate", "-of", "csv=p=0", path).Trim();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}' is not a readable video: {e.Message}", e);
        }
        var parts = video.Split(',');
        if (parts.Length < 3 || !int.TryParse(parts[0], out var w) || !int.TryParse(parts[1], out var h))
            throw new InvalidDataException($"'{path}' has no video stream");
        var audio = FfmpegTool.Run("ffprobe", "-v", "error", "-select_streams", "a", "-show_entries", "stream=index", "-of", "csv=p=0", path).Trim();
        return new VideoInfo(w, h, ParseRate(parts[2]), audio.Length > 0);
    }

    private static double ParseRate(string rate)
    {
        var nd = rate.Split('/');
        if (nd.Length == 2 && double.TryParse(nd[0], CultureInfo.InvariantCulture, out var n) &&
            double.TryParse(nd[1], CultureInfo.InvariantCulture, out var d) && d != 0)
            return n / d;
        return double.TryParse(rate, CultureInfo.InvariantCulture, out var r) ? r : 0;
    }
}
