using static TorchSharp.torch;
using static VideoLoopback.Diffusion.Sampling.SamplerMath;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>"DPM2": DPM-Solver-2 style midpoint steps, the midpoint at the geometric mean of the two sigmas.</summary>
public static class Dpm2
{
    public static Tensor Sample(SamplerContext c, Tensor input)
    {
        var x = input;
        for (int i = 0; i < c.Sigmas.Count - 1; i++)
        {
            using var scope = NewDisposeScope();
            double sigmaNext = c.Sigmas[i + 1];
            var (xHat, sigmaHat, d) = DenoiseChurned(c, i, x);
            if (sigmaNext == 0)
            {
                Advance(ref x, xHat + d * (sigmaNext - sigmaHat), input);
                continue;
            }
            double sigmaMid = Math.Exp((Math.Log(sigmaHat) + Math.Log(sigmaNext)) / 2);
            var x2 = xHat + d * (sigmaMid - sigmaHat);
            var d2 = ToD(x2, sigmaMid, c.Denoise(x2, sigmaMid));
            Advance(ref x, xHat + d2 * (sigmaNext - sigmaHat), input);
        }
        return x;
    }
}
