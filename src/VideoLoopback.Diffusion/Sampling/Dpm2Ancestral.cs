using static TorchSharp.torch;
using static VideoLoopback.Diffusion.Sampling.SamplerMath;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>"DPM2 a": a DPM2 midpoint step down to sigma_down, then fresh noise of std sigma_up.</summary>
public static class Dpm2Ancestral
{
    public static Tensor Sample(SamplerContext c, Tensor input)
    {
        var x = input;
        for (int i = 0; i < c.Sigmas.Count - 1; i++)
        {
            using var scope = NewDisposeScope();
            double sigma = c.Sigmas[i];
            var (denoised, down, up) = DenoiseAncestral(c, i, x);
            var d = ToD(x, sigma, denoised);
            if (down == 0)
            {
                Advance(ref x, x + d * (down - sigma), input);
                continue;
            }
            double sigmaMid = Math.Exp((Math.Log(sigma) + Math.Log(down)) / 2);
            var x2 = x + d * (sigmaMid - sigma);
            var d2 = ToD(x2, sigmaMid, c.Denoise(x2, sigmaMid));
            var next = x + d2 * (down - sigma);
            next = next + c.RandnLike() * (c.SNoise * up);
            Advance(ref x, next, input);
        }
        return x;
    }
}
