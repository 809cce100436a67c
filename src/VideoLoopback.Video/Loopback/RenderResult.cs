namespace VideoLoopback.Video.Loopback;

/// <summary>The outcome of a render: its folder (<c>&lt;output&gt;/&lt;timestamp&gt;</c>), whether it was stopped early, and the videos written.</summary>
public sealed record RenderResult(string RunDirectory, string Timestamp, bool Interrupted, IReadOnlyList<string> Videos, long FramesRendered);
