using System.Globalization;
using System.Text.Json;

namespace VideoLoopback.Video.Ffmpeg;

/// <summary>
/// What ffprobe says about a video file: the first video stream's displayed size (its coded size turned by the rotation
/// metadata, as ffmpeg turns the decoded frames) and frame rate, and whether it has audio.
/// </summary>
public sealed record VideoInfo(int Width, int Height, double FrameRate, bool HasAudio)
{
    /// <summary>
    /// The display rotation in degrees counterclockwise, as the display matrix gives it (ffprobe's <c>rotation</c>): 0, 90, 180
    /// or 270; 0 when untagged. ffmpeg turns the decoded frames by it, so 90 and 270 swap the coded width and height.
    /// </summary>
    public int Rotation { get; init; }

    /// <summary>The frame count the container declares (mp4's sample table), or null where it declares none (e.g. Matroska).</summary>
    public int? DeclaredFrames { get; init; }

    /// <summary>Whether the stream's nominal rate equals its average rate: decoding at that rate then neither drops nor repeats frames.</summary>
    public bool ConstantFrameRate { get; init; }

    public static VideoInfo Probe(string path)
    {
        var probe = FfmpegTool.Execute("ffprobe", "-v", "error",
            "-show_entries", "stream=codec_type,width,height,avg_frame_rate,r_frame_rate,nb_frames:stream_tags=rotate:stream_side_data=rotation",
            "-of", "json", FfmpegTool.LiteralPath(path));
        if (probe.ExitCode != 0)
            throw new InvalidDataException($"'{path}' is not a readable video: {probe.LastError}");
        JsonElement? video = null;
        bool audio = false;
        try
        {
            using var json = JsonDocument.Parse(probe.Output);
            if (json.RootElement.TryGetProperty("streams", out var streams))
                foreach (var stream in streams.EnumerateArray())
                {
                    var type = Text(stream, "codec_type");
                    if (type == "video" && video is null) video = stream.Clone();
                    audio |= type == "audio";
                }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not a readable video: ffprobe's answer is not JSON ({e.Message})", e);
        }
        if (video is not { } v || !int.TryParse(Text(v, "width"), out var w) || !int.TryParse(Text(v, "height"), out var h) || w <= 0 || h <= 0)
            throw new InvalidDataException($"'{path}' has no video stream");
        int rotation = RotationOf(v);
        bool turned = rotation is 90 or 270;
        string averageRate = Text(v, "avg_frame_rate"), nominalRate = Text(v, "r_frame_rate");
        return new VideoInfo(turned ? h : w, turned ? w : h, ParseRate(averageRate), audio)
        {
            Rotation = rotation,
            DeclaredFrames = int.TryParse(Text(v, "nb_frames"), out var n) && n > 0 ? n : null,
            ConstantFrameRate = averageRate == nominalRate && ParseRate(averageRate) > 0,
        };
    }

    /// <summary>
    /// Whether <paramref name="path"/> is a complete video of exactly <paramref name="frames"/> frames: ffprobe reads its
    /// container to the end without an error and counts that many video packets (no decoding, so it is cheap). A missing,
    /// half-written or truncated file is not.
    /// </summary>
    public static bool IsComplete(string path, int frames)
    {
        if (!File.Exists(path)) return false;
        var count = FfmpegTool.Execute("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
            "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", FfmpegTool.LiteralPath(path));
        return count.ExitCode == 0 && count.Errors.Trim().Length == 0
            && int.TryParse(count.Output.Trim(), CultureInfo.InvariantCulture, out var packets) && packets == frames;
    }

    /// <summary>
    /// The display rotation, from the display matrix side data or else the legacy <c>rotate</c> tag (which counts clockwise),
    /// as a quarter turn where ffmpeg's automatic rotation sees one; other angles it turns within the same size, so they count as 0.
    /// </summary>
    private static int RotationOf(JsonElement stream)
    {
        double? degrees = null;
        if (stream.TryGetProperty("side_data_list", out var sideData))
            foreach (var entry in sideData.EnumerateArray())
                if (entry.TryGetProperty("rotation", out var r) && r.TryGetDouble(out var d)) { degrees = d; break; }
        if (degrees is null && stream.TryGetProperty("tags", out var tags)
            && double.TryParse(Text(tags, "rotate"), CultureInfo.InvariantCulture, out var tagged))
            degrees = -tagged;
        double turned = ((degrees ?? 0) % 360 + 360) % 360;
        foreach (int quarter in (int[])[0, 90, 180, 270, 360])
            if (Math.Abs(turned - quarter) < 1) return quarter % 360;
        return 0;
    }

    private static string Text(JsonElement element, string name) => element.TryGetProperty(name, out var value)
        ? value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.GetRawText()
        : "";

    private static double ParseRate(string rate)
    {
        var nd = rate.Split('/');
        if (nd.Length == 2 && double.TryParse(nd[0], CultureInfo.InvariantCulture, out var n) &&
            double.TryParse(nd[1], CultureInfo.InvariantCulture, out var d) && d != 0)
            return n / d;
        return double.TryParse(rate, CultureInfo.InvariantCulture, out var r) ? r : 0;
    }
}
