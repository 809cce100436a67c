using static TorchSharp.torch;
using static VideoLoopback.Diffusion.Sampling.SamplerMath;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>"DPM++ 2S a": DPM-Solver++(2S) single-step second order down to sigma_down, then ancestral noise.</summary>
public static class DpmPP2SAncestral
{
    public static Tensor Sample(SamplerContext c, Tensor input)
    {
        var x = input;
        for (int i = 0; i < c.Sigmas.Count - 1; i++)
        {
            using var scope = NewDisposeScope();
            double sigma = c.Sigmas[i], sigmaNext = c.Sigmas[i + 1];
            var (denoised, down, up) = DenoiseAncestral(c, i, x);
            Tensor next;
            if (down == 0)
            {
                next = x + ToD(x, sigma, denoised) * (down - sigma);
            }
            else
            {
                // In t = -log(sigma): half a step to s, model there, then the full step with that estimate.
                double t = -Math.Log(sigma), tNext = -Math.Log(down);
                double h = tNext - t, s = t + h / 2;
                var x2 = x * (Math.Exp(-s) / Math.Exp(-t)) - denoised * Expm1(-h / 2);
                var denoised2 = c.Denoise(x2, Math.Exp(-s));
                next = x * (Math.Exp(-tNext) / Math.Exp(-t)) - denoised2 * Expm1(-h);
            }
            if (sigmaNext > 0)
                next = next + c.RandnLike() * (c.SNoise * up);
            Advance(ref x, next, input);
        }
        return x;
    }
}
