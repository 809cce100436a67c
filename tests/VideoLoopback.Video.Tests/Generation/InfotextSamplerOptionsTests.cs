using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Sampling.Noise;
using VideoLoopback.Video.Generation;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Generation;

/// <summary>
/// The parameters text names eta, the churn settings and the RNG source as WebUI does: only when they are not the default and
/// the sampler takes them.
/// </summary>
[Trait("Area", "loopback")]
public sealed class InfotextSamplerOptionsTests
{
    private static string Line(string sampler, SamplerOptions options, RandnSource source = RandnSource.Gpu)
    {
        using var init = zeros(3, 8, 8, ScalarType.Byte);
        var p = new Img2ImgParams { Prompt = "a", Seed = 1, Sampler = sampler, SamplerOptions = options, RandnSource = source };
        return WebUiImg2Img.Infotext(new Img2ImgFrame(init, p), "m", 0).Split('\n')[^1];
    }

    [Fact]
    public void NonDefaultValuesTheSamplerTakesAreNamed()
    {
        var churn = new SamplerOptions { Eta = 0.5, SChurn = 0.5, STmin = 0.1, STmax = 5, SNoise = 0.9 };
        Assert.EndsWith("Denoising strength: 0.75, Sigma churn: 0.5, Sigma tmin: 0.1, Sigma tmax: 5.0, Sigma noise: 0.9", Line("Euler", churn));
        Assert.EndsWith("Denoising strength: 0.75, Eta: 0.5", Line("Euler a", churn));
        Assert.EndsWith("Denoising strength: 0.75, Eta DDIM: 0.5", Line("DDIM", churn));
        Assert.EndsWith("Denoising strength: 0.75", Line("DPM++ 2M", churn));
        Assert.EndsWith("Denoising strength: 0.75", Line("Euler a", new SamplerOptions { Eta = 1 }));
        Assert.Contains("Denoising strength: 0.75, RNG: CPU", Line("Euler a", new SamplerOptions(), RandnSource.Cpu));
        Assert.DoesNotContain("RNG", Line("Euler a", new SamplerOptions()));
    }
}
