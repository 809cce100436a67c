using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Sampling;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sampling;

/// <summary>Registration and the limits WebUI's timesteps samplers and LCM share with upstream.</summary>
public class TimestepSamplerTests
{
    [Fact]
    public void RegistryListsWebUiSamplersInWebUiOrder()
    {
        var names = SamplerRegistry.All.Select(s => s.Name).ToArray();
        Assert.Equal(["DDIM", "DDIM CFG++", "PLMS", "UniPC", "LCM"], names[^5..]);
        Assert.Same(SamplerRegistry.Get("DDIM CFG++"), SamplerRegistry.Get("ddim_cfgpp"));
        Assert.Same(SamplerRegistry.Get("PLMS"), SamplerRegistry.Get("plms"));
        Assert.Same(SamplerRegistry.Get("UniPC"), SamplerRegistry.Get("unipc"));
        Assert.Same(SamplerRegistry.Get("LCM"), SamplerRegistry.Get("k_lcm"));
        Assert.All(["DDIM", "DDIM CFG++", "PLMS", "UniPC"], n => Assert.True(SamplerRegistry.Get(n).IsTimestepSampler, n));
        Assert.False(SamplerRegistry.Get("LCM").IsTimestepSampler);
    }

    [Fact]
    public void LcmRunsOnItsOwnSigmasForAutomaticAndUniformOnly()
    {
        var lcm = SamplerRegistry.Get("LCM");
        var automatic = lcm.GetSigmas(8, Scheduler.Automatic, DiscreteSchedule.Sd15);
        Assert.Equal(Lcm.Sigmas(8, DiscreteSchedule.Sd15), automatic);
        Assert.Equal(automatic, lcm.GetSigmas(8, Scheduler.Uniform, DiscreteSchedule.Sd15));
        var error = Assert.Throws<ArgumentException>(() => lcm.GetSigmas(8, Scheduler.Karras, DiscreteSchedule.Sd15));
        Assert.Contains("Karras", error.Message);
    }

    [Fact]
    public void UniPcRefusesFewerStepsThanItsOrder()
    {
        using var scope = NewDisposeScope();
        var context = new TimestepSamplerContext((x, _) => x * 0.1, [1, 501], DiscreteSchedule.Sd15, () => randn(1, 4, 8, 8));
        var error = Assert.Throws<ArgumentException>(() => UniPc.Sample(context, randn(1, 4, 8, 8)));
        Assert.Contains("order 3", error.Message);
    }

    [Fact]
    public void Img2ImgCheckRefusesWhatUpstreamCannotRun()
    {
        var uniPc = SamplerRegistry.Get("UniPC");
        var error = Assert.Throws<ArgumentException>(() => Img2ImgSteps.CheckSampler(uniPc, Scheduler.Automatic, 10, 0.2));
        Assert.Contains("'UniPC' needs at least 3", error.Message);
        Img2ImgSteps.CheckSampler(uniPc, Scheduler.Automatic, 10, 0.3);
        Img2ImgSteps.CheckSampler(SamplerRegistry.Get("PLMS"), Scheduler.Automatic, 10, 0.1);
        Assert.Throws<ArgumentException>(() => Img2ImgSteps.CheckSampler(SamplerRegistry.Get("LCM"), Scheduler.Karras, 4, 0.5));
        Img2ImgSteps.CheckSampler(SamplerRegistry.Get("LCM"), Scheduler.Uniform, 4, 0.5);
    }

    [Fact]
    public void DdimCfgPlusPlusNeedsTheGuidance()
    {
        using var scope = NewDisposeScope();
        var context = new TimestepSamplerContext((x, _) => x * 0.1, [1, 501, 901], DiscreteSchedule.Sd15, () => randn(1, 4, 8, 8));
        Assert.Throws<InvalidOperationException>(() => DdimCfgPlusPlus.Sample(context, randn(1, 4, 8, 8)));
    }

    [Fact]
    public void DdimCfgPlusPlusScalesTheGuidanceAndKeepsTheNegativeOutput()
    {
        using var scope = NewDisposeScope();
        var text = zeros(1, 1, 1);
        using var cfg = new CfgDenoiser((x, _, rows) => x * 0.1 + rows.IsPositive.reshape(-1, 1, 1, 1),
            _ => new CfgConditioning(text, [[(0, 1.0)]], text), 12.5);
        var context = new TimestepSamplerContext(cfg.Denoise, [1, 501], DiscreteSchedule.Sd15, () => zeros(1, 4, 8, 8)) { Guidance = cfg };
        DdimCfgPlusPlus.Sample(context, ones(1, 4, 8, 8));
        Assert.Equal(1 / 12.5, cfg.CondScaleMultiplier);
        Assert.NotNull(cfg.LastUnconditionalOutput);
        // uncond = 0.1·x, cond = uncond + 1: guided = uncond + 1·(12.5/12.5)
        using var guided = cfg.Denoise(ones(1, 4, 8, 8), full(new long[] { 1 }, 501f));
        Assert.Equal(1.1f, guided.mean().item<float>(), 5);
        Assert.Equal(0.1f, cfg.LastUnconditionalOutput!.mean().item<float>(), 5);
    }
}
