using System.Collections.Concurrent;

namespace VideoLoopback.Video.Ffmpeg;

/// <summary>What the installed ffmpeg can encode: its video encoders, and each encoder's options and pixel formats (asked once).</summary>
public static class FfmpegEncoders
{
    private static readonly Lazy<IReadOnlySet<string>> Video = new(ListVideoEncoders);
    private static readonly ConcurrentDictionary<string, string> Help = new();

    /// <summary>The names <c>ffmpeg -encoders</c> lists as video encoders (capability flags starting with V).</summary>
    public static IReadOnlySet<string> VideoEncoders => Video.Value;

    /// <summary>Whether <paramref name="encoder"/>'s private options (<c>ffmpeg -h encoder=NAME</c>) include <c>-<paramref name="option"/></c>.</summary>
    public static bool HasOption(string encoder, string option) =>
        HelpOf(encoder).Split('\n').Any(line => line.TrimStart().StartsWith("-" + option + " ", StringComparison.Ordinal));

    /// <summary>The pixel formats the encoder declares, or null when it declares none (ffmpeg then converts as it sees fit).</summary>
    public static IReadOnlyList<string>? PixelFormats(string encoder)
    {
        const string label = "Supported pixel formats:";
        var line = HelpOf(encoder).Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(label, StringComparison.Ordinal));
        return line?[label.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    private static string HelpOf(string encoder) => Help.GetOrAdd(encoder, e => FfmpegTool.Run("ffmpeg", "-hide_banner", "-h", "encoder=" + e));

    private static IReadOnlySet<string> ListVideoEncoders()
    {
        // Lines after the legend read " V....D libx264              libx264 H.264 / AVC / ...".
        var names = new HashSet<string>(StringComparer.Ordinal);
        var lines = FfmpegTool.Run("ffmpeg", "-hide_banner", "-encoders").Split('\n');
        foreach (var line in lines.SkipWhile(l => !l.TrimStart().StartsWith("------", StringComparison.Ordinal)).Skip(1))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && parts[0].Length == 6 && parts[0][0] == 'V') names.Add(parts[1]);
        }
        return names;
    }
}
