using VideoLoopback.Diffusion.Sampling;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sd2;

/// <summary>
/// The two views of a v model agree: at a training timestep t, the clean latent the timestep samplers derive from
/// <see cref="VDenoiser.AsEps"/> (x0 = (x_t − √(1−ᾱ)·eps)/√ᾱ) equals the k-diffusion denoiser's output
/// (<see cref="VDenoiser.Wrap"/>) at that timestep's sigma, for x_t = √ᾱ·x; both are √ᾱ·x_t − √(1−ᾱ)·v.
/// </summary>
public class VDenoiserTests
{
    [Theory]
    [InlineData(10)]
    [InlineData(500)]
    [InlineData(999)]
    public void TimestepAndSigmaViewsGiveTheSameCleanLatent(int timestep)
    {
        using var scope = NewDisposeScope();
        var schedule = DiscreteSchedule.Sd15;
        using var generator = new Generator(5);
        var text = randn([1, 77, 8], generator: generator);
        var conditioning = ModelConditioning.Positive(text);
        // A toy v model that depends on x, t and the text, so every scaling shows.
        ConditionedModel v = (x, t, c) => x.tanh() * 0.7 + t.reshape(-1, 1, 1, 1) / 1000.0 - c.Text.mean([1, 2]).reshape(-1, 1, 1, 1);

        double ac = schedule.AlphasCumprod[timestep];
        var xK = randn([1, 4, 8, 8], generator: generator);          // k-diffusion's x at sigma
        var xT = xK * Math.Sqrt(ac);                                   // the same latent on the DDPM scale
        var t = tensor(new long[] { timestep });

        var eps = VDenoiser.AsEps(v, schedule)(xT, t, conditioning);
        var x0FromEps = (xT - Math.Sqrt(1 - ac) * eps) / Math.Sqrt(ac);
        var sigma = tensor(new[] { schedule.Sigmas[timestep] });
        var x0FromSigma = VDenoiser.Wrap(v, schedule)(xK, sigma, conditioning);

        double diff = (x0FromEps - x0FromSigma).abs().max().item<float>();
        Assert.True(diff < 1e-4, $"t={timestep}: the two views differ by {diff:E2}");
        // And they are not the eps reading of the same output.
        var asEpsDenoiser = EpsDenoiser.Wrap(v, schedule)(xK, sigma, conditioning);
        Assert.True((asEpsDenoiser - x0FromSigma).abs().max().item<float>() > 1e-2);
    }
}
