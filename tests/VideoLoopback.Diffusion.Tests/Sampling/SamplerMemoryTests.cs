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
        foreach (var s in SamplerRegistry.All) data.Add(s.Name);
        return data;
    }

    /// <summary>k-diffusion samplers run on a synthetic denoiser; timesteps samplers on an eps model behind CFG (CFG++ keeps its negative rows there).</summary>
    private static long LiveTensorsLeftBy(SamplerInfo sampler, int steps)
    {
        using var scope = NewDisposeScope();
        var text = zeros(1, 1, 1);
        using var cfg = new CfgDenoiser((xi, _, rows) => xi * 0.1 + rows.IsPositive.reshape(-1, 1, 1, 1) * 0.01,
            _ => new CfgConditioning(text, [[(0, 1.0)]], text), 7);
        var sigmas = sampler.IsTimestepSampler ? null : sampler.GetSigmas(steps, Scheduler.Automatic, DiscreteSchedule.Sd15);
        var x = randn(1, 4, 8, 8) * (sigmas?[0] ?? 1f);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var result = sigmas is null
            ? sampler.RunTimesteps!(new TimestepSamplerContext(cfg.Denoise, Ddim.Timesteps(steps, DiscreteSchedule.Sd15), DiscreteSchedule.Sd15,
                () => randn(1, 4, 8, 8)) { Guidance = cfg }, x)
            : sampler.Run!(new SamplerContext((xi, s) => xi / (1 + s.reshape(-1, 1, 1, 1).square()), sigmas, () => randn(1, 4, 8, 8)), x);
        result.Dispose();
        cfg.Dispose();
        return DisposeScopeManager.Statistics.ThreadTotalLiveCount - before;
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
