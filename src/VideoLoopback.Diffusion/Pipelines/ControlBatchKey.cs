using System.Runtime.CompilerServices;
using VideoLoopback.Diffusion.ControlNet;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// What a ControlNet unit contributes to a frame's <see cref="Img2ImgBatchKey"/>: the network itself, compared by
/// reference (two loaded networks are two batches, even with equal weights), and the unit's weight, window and mode.
/// The hint is left out: frames with different control images still share a batch, each image keeping its own row.
/// </summary>
public readonly record struct ControlBatchKey(ControlNetModel Model, double Weight, double GuidanceStart, double GuidanceEnd, ControlMode Mode)
{
    public static ControlBatchKey Of(ControlNetUnit unit) => new(unit.Model, unit.Weight, unit.GuidanceStart, unit.GuidanceEnd, unit.Mode);

    /// <summary>The keys of a frame's units in order; no units (null or empty) is the empty list.</summary>
    public static ValueList<ControlBatchKey> Of(IReadOnlyList<ControlNetUnit>? units) => new((units ?? []).Select(Of));

    public bool Equals(ControlBatchKey other) =>
        ReferenceEquals(Model, other.Model) && Weight.Equals(other.Weight) && GuidanceStart.Equals(other.GuidanceStart)
        && GuidanceEnd.Equals(other.GuidanceEnd) && Mode == other.Mode;

    // The identity hash only spreads keys over buckets; equality above decides.
    public override int GetHashCode() => HashCode.Combine(RuntimeHelpers.GetHashCode(Model), Weight, GuidanceStart, GuidanceEnd, Mode);
}
