namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// A file layout defined outside this assembly (a video network's weights, say), taught to <see cref="CheckpointInspector"/>:
/// <paramref name="Detect"/> returns the parts it finds in a file of <paramref name="Family"/>, or null when the file is not one.
/// <paramref name="ExpectedLayout"/> completes the inspector's message about an unrecognised file, e.g.
/// "FastDVDNet weights (module.temp1.*, module.temp2.*)".
/// </summary>
public sealed record CheckpointDetector(
    CheckpointFamily Family, string ExpectedLayout, Func<CheckpointTensorIndex, IReadOnlyList<CheckpointPart>?> Detect);

/// <summary>A part a detector found: the keys under <paramref name="KeyPrefix"/>, checked against <paramref name="ExpectedKeys"/> when given.</summary>
public sealed record CheckpointPart(string Name, string KeyPrefix, IReadOnlySet<string>? ExpectedKeys);
