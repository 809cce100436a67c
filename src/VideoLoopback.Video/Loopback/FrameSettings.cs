using VideoLoopback.Video.Generation;

namespace VideoLoopback.Video.Loopback;

/// <summary>What one frame of one loop is rendered with, after schedules and prompt files.</summary>
public sealed record FrameSettings(
    FrameGenerationParams Generation,
    double SuperimposeAlpha,
    IReadOnlyList<double> TemporalAlphas,
    FramePostProcessor? PostProcessing);
