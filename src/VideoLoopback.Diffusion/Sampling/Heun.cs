using static TorchSharp.torch;
using static VideoLoopback.Diffusion.Sampling.SamplerMath;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>"Heun": Euler predictor plus trapezoidal corrector (two model calls per step, one on the last).</summary>
public static class Heun
{
    public static Tensor Sample(SamplerContext c, Tensor input)
    {
        var x = input;
        for (int i = 0; i < c.Sigmas.Count - 1; i++)
        {
            using var scope = NewDisposeScope();
            double sigmaNext = c.Sigmas[i + 1];
            var (xHat, sigmaHat, d) = DenoiseChurned(c, i, x);
            double dt = sigmaNext - sigmaHat;
            if (sigmaNext == 0)
            {
                Advance(ref x, xHat + d * dt, input);
                continue;
            }
            var x2 = xHat + d * dt;
            var d2 = ToD(x2, sigmaNext, c.Denoise(x2, sigmaNext));
            Advance(ref x, xHat + (d + d2) / 2 * dt, input);
        }
        return x;
    }
}
