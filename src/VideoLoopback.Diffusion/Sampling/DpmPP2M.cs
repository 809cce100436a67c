using static TorchSharp.torch;
using static VideoLoopback.Diffusion.Sampling.SamplerMath;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>"DPM++ 2M": DPM-Solver++(2M), second-order multistep reusing the previous step's denoised estimate.</summary>
public static class DpmPP2M
{
    public static Tensor Sample(SamplerContext c, Tensor input)
    {
        var x = input;
        using var history = new DenoisedHistory(1);
        for (int i = 0; i < c.Sigmas.Count - 1; i++)
        {
            using var scope = NewDisposeScope();
            double sigma = c.Sigmas[i], sigmaNext = c.Sigmas[i + 1];
            var denoised = c.Denoise(x, sigma);
            c.Report(i, x, sigma, sigma, denoised);
            double t = -Math.Log(sigma), tNext = -Math.Log(sigmaNext), h = tNext - t;
            double ratio = sigmaNext / sigma; // sigma_fn(t_next) / sigma_fn(t)
            Tensor estimate = denoised;
            if (history.Denoised(1) is { } oldDenoised && sigmaNext != 0)
            {
                double r = (t - -Math.Log(c.Sigmas[i - 1])) / h;
                estimate = denoised * (1 + 1 / (2 * r)) - oldDenoised * (1 / (2 * r));
            }
            Advance(ref x, x * ratio - estimate * Expm1(-h), input);
            history.Push(denoised, h);
        }
        return x;
    }
}
