using TorchSharp;
using VideoLoopback.Diffusion.Sampling;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sampling;

/// <summary>Per-step tensors are released: a sampler leaves the same number of live tensors after 5 or 40 steps.</summary>
public class SamplerMemoryTests
{
    public static TheoryData<string> Samplers()
    {
        var data = new TheoryData<string>();
        foreach (var s in SamplerRegistry.All.Where(s => !s.IsTimestepSampler)) data.Add(s.Name);
        return data;
    }

    private static long LiveTensorsLeftBy(SamplerInfo sampler, int steps)
    {
        using var scope = NewDisposeScope();
        var sigmas = sampler.GetSigmas(steps, Scheduler.Automatic, DiscreteSchedule.Sd15);
        var x = randn(1, 4, 8, 8) * sigmas[0];
        var context = new SamplerContext((xi, s) => xi / (1 + s.reshape(-1, 1, 1, 1).square()), sigmas, () => randn(1, 4, 8, 8));
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        sampler.Run!(context, x).Dispose();
        return DisposeScopeManager.Statistics.ThreadTotalLiveCount - before;
    }

    public static TheoryData<string> TimestepSamplers()
    {
        var data = new TheoryData<string>();
        foreach (var s in SamplerRegistry.All.Where(s => s.IsTimestepSampler)) data.Add(s.Name);
        return data;
    }

    private static long LiveTensorsLeftByTimestepSampler(SamplerInfo sampler, int steps)
    {
        using var scope = NewDisposeScope();
        var text = zeros(1, 1, 1);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (var cfg = new CfgDenoiser((xi, t, rows) => xi * 0.1 + rows.IsPositive.reshape(-1, 1, 1, 1) * 0.01,
                   _ => new CfgConditioning(text, [[(0, 1.0)]], text), 7))
        {
            var context = new TimestepSamplerContext(cfg.Denoise, Ddim.Timesteps(steps, DiscreteSchedule.Sd15), DiscreteSchedule.Sd15,
                () => randn(1, 4, 8, 8)) { Guidance = cfg };
            sampler.RunTimesteps!(context, randn(1, 4, 8, 8)).Dispose();
        }
        return DisposeScopeManager.Statistics.ThreadTotalLiveCount - before;
    }

    [Theory]
    [MemberData(nameof(TimestepSamplers))]
    public void TimestepSamplerLiveTensorCountDoesNotGrowWithSteps(string name)
    {
        var sampler = SamplerRegistry.Get(name);
        long shortRun = LiveTensorsLeftByTimestepSampler(sampler, 5);
        long longRun = LiveTensorsLeftByTimestepSampler(sampler, 40);
        Assert.True(longRun == shortRun, $"{name}: {shortRun} tensors left after 5 steps but {longRun} after 40");
        Assert.True(longRun <= 1, $"{name}: {longRun} tensors left alive after the result was disposed (the input latent is the one allowed)");
    }

    [Theory]
    [MemberData(nameof(Samplers))]
    public void LiveTensorCountDoesNotGrowWithSteps(string name)
    {
        var sampler = SamplerRegistry.Get(name);
        long shortRun = LiveTensorsLeftBy(sampler, 5);
        long longRun = LiveTensorsLeftBy(sampler, 40);
        Assert.True(longRun == shortRun, $"{name}: {shortRun} tensors left after 5 steps but {longRun} after 40");
        Assert.True(longRun <= 0, $"{name}: {longRun} tensors left alive after the result was disposed");
    }
}
