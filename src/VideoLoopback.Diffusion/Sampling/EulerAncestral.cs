using static TorchSharp.torch;
using static VideoLoopback.Diffusion.Sampling.SamplerMath;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>"Euler a": an Euler step down to sigma_down, then fresh noise of std sigma_up (none on the last step).</summary>
public static class EulerAncestral
{
    public static Tensor Sample(SamplerContext c, Tensor input)
    {
        var x = input;
        for (int i = 0; i < c.Sigmas.Count - 1; i++)
        {
            using var scope = NewDisposeScope();
            double sigma = c.Sigmas[i], sigmaNext = c.Sigmas[i + 1];
            var (denoised, down, up) = DenoiseAncestral(c, i, x);
            var next = x + ToD(x, sigma, denoised) * (down - sigma);
            if (sigmaNext > 0)
                next = next + c.RandnLike() * (c.SNoise * up);
            Advance(ref x, next, input);
        }
        return x;
    }
}
