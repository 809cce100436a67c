using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// How much device memory a render's frame stores may hold (frame_memory_budget_mb, or automatic) and how it is shared:
/// each store that can be alive at once (the inputs, each reference folder, the loop being read and the loop being
/// written) gets an equal share; a store past its share spills, keeping at least the frames the current batches read.
/// </summary>
/// <param name="BudgetBytes">The device memory all frame stores together may hold.</param>
/// <param name="Automatic">Whether the budget was derived from this machine rather than given.</param>
/// <param name="Stores">How many stores share the budget.</param>
/// <param name="MinResidentFrames">Frames a store keeps on the device whatever the budget: the windows of one batch.</param>
/// <param name="Device">Where the frames are used.</param>
/// <param name="SpillFolder">The folder of disk spills (null: the system's temporary folder).</param>
public sealed record FrameMemoryPlan(long BudgetBytes, bool Automatic, int Stores, int MinResidentFrames, Device Device, string? SpillFolder = null)
{
    /// <summary>Automatic budget on CUDA, where libtorch gives no free-memory figure: room beside SD1.5 on an 8 GB card.</summary>
    public const long CudaAutomaticBytes = 4L << 30;

    public long StoreShareBytes => BudgetBytes / Stores;

    /// <summary>The most frames of <paramref name="frameBytes"/> a spilled store keeps on the device.</summary>
    public int ResidentFrames(long frameBytes) =>
        (int)Math.Max(MinResidentFrames, Math.Min(int.MaxValue, StoreShareBytes / Math.Max(1, frameBytes)));

    /// <summary>The plan for <paramref name="job"/> on <paramref name="device"/>.</summary>
    public static FrameMemoryPlan For(JobSpec job, Device device)
    {
        int stores = 3 + job.ReferenceDirs().Count;
        // A batch reads its frames' windows: the batch plus the window's reach on both sides, and one frame of slack.
        int working = Math.Max(1, job.GeneratorBatch) + job.TemporalAlphas().Count + 1;
        return job.FrameMemoryBudgetMb is { } mb
            ? new FrameMemoryPlan((long)mb << 20, false, stores, working, device)
            : new FrameMemoryPlan(AutomaticBytes(device), true, stores, working, device);
    }

    /// <summary>Half the memory this machine has available (CPU), or <see cref="CudaAutomaticBytes"/> on CUDA.</summary>
    public static long AutomaticBytes(Device device) =>
        device.type == TorchSharp.DeviceType.CUDA ? CudaAutomaticBytes : AvailableHostBytes() / 2;

    /// <summary>MemAvailable from /proc/meminfo (Linux), else what .NET reports as available to the process.</summary>
    public static long AvailableHostBytes()
    {
        const string MemInfo = "/proc/meminfo";
        if (File.Exists(MemInfo))
        {
            foreach (var line in File.ReadLines(MemInfo))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
                var kb = line["MemAvailable:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                if (long.TryParse(kb, System.Globalization.CultureInfo.InvariantCulture, out var value)) return value * 1024;
            }
        }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }
}
