namespace VideoLoopback.Video.Loopback;

/// <summary>How a render runs (not what it renders).</summary>
public sealed record RenderOptions
{
    /// <summary>The run folder name; null = the current time as the original writes it (yyMMdd_HHmmss, local time).</summary>
    public string? Timestamp { get; init; }

    /// <summary>Continue the run folder <c>&lt;output&gt;/&lt;Timestamp&gt;</c> from its last finished frame.</summary>
    public bool Resume { get; init; }

    /// <summary>A new run folder already claimed (<see cref="RunFolder.Claim"/>); null = the engine claims one.</summary>
    public RunFolder? Run { get; init; }

    /// <summary>The generator and dtype the run renders with, for its <see cref="ResumeRecord"/>.</summary>
    public string Generator { get; init; } = "";

    public string Dtype { get; init; } = "";

    /// <summary>Write the loop videos and the final video with ffmpeg.</summary>
    public bool EncodeVideos { get; init; } = true;

    /// <summary>Receives the warnings the original prints (frames without mask, ...).</summary>
    public Action<string> Warn { get; init; } = _ => { };

    public IProgress<RenderProgress>? Progress { get; init; }

    /// <summary>The original's timestamp format, in the original's time zone (UTC+8).</summary>
    public static string Now() => DateTime.Now.ToString("yyMMdd_HHmmss", System.Globalization.CultureInfo.InvariantCulture);
}
