using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Video.FastDvdNet;

namespace VideoLoopback.Video;

/// <summary>The model-file layouts this assembly adds to the checkpoint inspector (<c>inspect</c> passes them on).</summary>
public static class VideoCheckpointDetectors
{
    public static IReadOnlyList<CheckpointDetector> All { get; } = [FastDvdNetKeys.Detector];
}
