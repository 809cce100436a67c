using System.Globalization;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// What a render's frames will take, known once the inputs are read and before the first frame renders: the frame
/// stores (inputs, references, the loop being read and the loop being written, cached masks) and a per-batch working set
/// (the float copies a batch's blends make), against the plan's budget. Device and host are one memory on a CPU device.
/// </summary>
/// <param name="FrameBytes">One frame (uint8, the inputs' channels).</param>
/// <param name="InputBytes">The input frames (a repeated image once).</param>
/// <param name="ReferenceBytes">The reference folders' frames.</param>
/// <param name="LoopBytes">Loop outputs alive at once: the loop being written and, from loop 2 on, the loop it reads.</param>
/// <param name="MaskBytes">Masks, cached one per frame name (single-channel uint8).</param>
/// <param name="WorkingSetBytes">One batch's temporaries: its frames' windows and float32 blends.</param>
/// <param name="LargestStoreBytes">The largest single store (inputs, one reference folder or one loop).</param>
/// <param name="Plan">The budget the stores share.</param>
public sealed record FrameMemoryEstimate(long FrameBytes, long InputBytes, long ReferenceBytes, long LoopBytes, long MaskBytes,
    long WorkingSetBytes, long LargestStoreBytes, FrameMemoryPlan Plan)
{
    public long StoreBytes => InputBytes + ReferenceBytes + LoopBytes;

    /// <summary>Whether some store exceeds its share of the budget, so that it spills.</summary>
    public bool Spills => LargestStoreBytes > Plan.StoreShareBytes;

    /// <summary>Device memory the frames take at most: all of them, or the budget (at least each store's working set).</summary>
    public long DeviceBytes => (Spills ? Math.Min(StoreBytes, BoundedStoreBytes) : StoreBytes) + MaskBytes + WorkingSetBytes;

    /// <summary>Host memory the spill takes: pinned copies on CUDA; none on a CPU device (a file on disk).</summary>
    public long HostBytes => Spills && Plan.Device.type == TorchSharp.DeviceType.CUDA ? StoreBytes : 0;

    /// <summary>Disk the spill takes: the frame stores on a CPU device, none on CUDA.</summary>
    public long DiskBytes => Spills && Plan.Device.type != TorchSharp.DeviceType.CUDA ? StoreBytes : 0;

    private long BoundedStoreBytes => Plan.Stores * Plan.ResidentFrames(FrameBytes) * FrameBytes;

    /// <summary>The estimate for a render of <paramref name="job"/> with these inputs and reference stores.</summary>
    public static FrameMemoryEstimate For(JobSpec job, FrameStore inputs, IReadOnlyList<FrameStore> references, FrameMemoryPlan plan) =>
        For(job, inputs.Count, inputs.Count == 0 ? 0 : inputs[0].Pixels.NumberOfElements, inputs.Bytes, references.Select(r => r.Bytes).ToList(), plan);

    /// <summary>
    /// The estimate for <paramref name="frameCount"/> input frames of <paramref name="frameBytes"/> each, taking
    /// <paramref name="inputBytes"/> together, and reference stores of <paramref name="referenceBytes"/>.
    /// </summary>
    public static FrameMemoryEstimate For(JobSpec job, int frameCount, long frameBytes, long inputBytes, IReadOnlyList<long> referenceBytes,
        FrameMemoryPlan plan)
    {
        long loopFrames = (long)frameCount * (job.LoopN > 1 ? 2 : 1);
        long masks = job.UseMask ? (long)frameCount * job.Width * job.Height : 0;
        int window = job.TemporalAlphas().Count;
        long working = Math.Max(1, job.GeneratorBatch) * frameBytes * (window + 2L * sizeof(float));
        long largest = referenceBytes.Append(inputBytes).Append(frameCount * frameBytes).Max();
        return new FrameMemoryEstimate(frameBytes, inputBytes, referenceBytes.Sum(), loopFrames * frameBytes, masks, working, largest, plan);
    }

    /// <summary>The line a render prints before its first frame.</summary>
    public string Describe()
    {
        var budget = $"budget {Size(Plan.BudgetBytes)}{(Plan.Automatic ? " (automatic)" : "")}";
        var where = Plan.Device.type == TorchSharp.DeviceType.CUDA ? "pinned host memory" : "disk";
        var fit = Spills
            ? $"over the {budget}: frames outside the current batches' windows spill to {where}, at most {Plan.ResidentFrames(FrameBytes)} per store on the device"
            : $"within the {budget}: all frames stay on the device";
        return string.Create(CultureInfo.InvariantCulture,
            $"Memory estimate: frames {Size(StoreBytes)} (inputs {Size(InputBytes)}, references {Size(ReferenceBytes)}, loops {Size(LoopBytes)}), " +
            $"masks {Size(MaskBytes)}, working set {Size(WorkingSetBytes)} per batch; {fit}; " +
            $"device {Size(DeviceBytes)}, host {Size(HostBytes)} ({Plan.Device.type.ToString().ToLowerInvariant()})");
    }

    private static string Size(long bytes) => bytes >= 1L << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):F2} GiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):F1} MiB");
}
