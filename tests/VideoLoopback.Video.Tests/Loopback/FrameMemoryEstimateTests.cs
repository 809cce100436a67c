using VideoLoopback.Video.Loopback;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>The memory a render's frames take, estimated before the first frame.</summary>
[Trait("Area", "loopback")]
public sealed class FrameMemoryEstimateTests
{
    private const long Gib = 1L << 30;

    [Fact]
    public void TheDefaultJobAt512SquaredNeedsAbout24GBOfFrames()
    {
        // max_frames 9999 of 512x512 RGB, loop_n 10: the inputs, the loop being read and the loop being written.
        var job = new JobSpec { InputDir = "in", OutputDir = "out" };
        var plan = new FrameMemoryPlan(8 * Gib, true, 3, 10, CPU);
        long frame = 3L * 512 * 512;
        var estimate = FrameMemoryEstimate.For(job, 9999, frame, 9999 * frame, [], plan);
        Assert.Equal(786_432, estimate.FrameBytes);
        Assert.Equal(9999 * frame, estimate.InputBytes);
        Assert.Equal(2 * 9999 * frame, estimate.LoopBytes);
        Assert.Equal(23_590_600_704, estimate.StoreBytes);
        Assert.True(estimate.Spills);
        // Spilled, each of the 3 stores keeps its share (8 GiB / 3) of frames on the device.
        long perStore = 8 * Gib / 3 / frame;
        Assert.Equal(3 * perStore * frame + estimate.WorkingSetBytes, estimate.DeviceBytes);
        Assert.Equal(estimate.StoreBytes, estimate.DiskBytes);
        Assert.Equal(0, estimate.HostBytes);
        Assert.Equal(8L * frame * (1 + 8), estimate.WorkingSetBytes); // generator_batch 8, window 1, two float32 copies
        Assert.StartsWith("Memory estimate: frames 21.97 GiB (inputs 7.32 GiB, references 0.0 MiB, loops 14.65 GiB)", estimate.Describe());
        Assert.Contains("spill to disk", estimate.Describe());
    }

    [Fact]
    public void ASmallJobStaysOnTheDevice()
    {
        var job = new JobSpec { InputDir = "in", OutputDir = "out", Width = 64, Height = 48, LoopN = 1, UseMask = true,
            TemporalSuperimposeAlphaList = "0.25,0.5,0.25", GeneratorBatch = 2 };
        var plan = new FrameMemoryPlan(Gib, false, 4, 6, CPU);
        long frame = 3L * 64 * 48;
        var estimate = FrameMemoryEstimate.For(job, 10, frame, 10 * frame, [5 * frame], plan);
        Assert.Equal(10 * frame, estimate.LoopBytes); // one loop: only the loop being written beside the inputs
        Assert.Equal(5 * frame, estimate.ReferenceBytes);
        Assert.Equal(10L * 64 * 48, estimate.MaskBytes);
        Assert.Equal(2 * frame * (3 + 8), estimate.WorkingSetBytes);
        Assert.False(estimate.Spills);
        Assert.Equal(25 * frame + 10L * 64 * 48 + 2 * frame * 11, estimate.DeviceBytes);
        Assert.Contains("within the budget 1.00 GiB: all frames stay on the device", estimate.Describe());
    }

    [Fact]
    public void TheJobKeyGivesTheBudgetAndEachStoreAnEqualShare()
    {
        var job = new JobSpec { InputDir = "in", OutputDir = "out", FrameMemoryBudgetMb = 300, GeneratorBatch = 4,
            TemporalSuperimposeAlphaList = "1,1,1,1,1" };
        var plan = FrameMemoryPlan.For(job, CPU);
        Assert.Equal(300L << 20, plan.BudgetBytes);
        Assert.False(plan.Automatic);
        Assert.Equal(3, plan.Stores);
        Assert.Equal(100L << 20, plan.StoreShareBytes);
        Assert.Equal(10, plan.MinResidentFrames); // batch 4 + window 5 + 1
        Assert.True(FrameMemoryPlan.For(job with { FrameMemoryBudgetMb = null }, CPU).Automatic);
    }
}
