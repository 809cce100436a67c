using static TorchSharp.torch;
using static VideoLoopback.Diffusion.Sampling.SamplerMath;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>"Euler": first-order steps along the probability-flow ODE (Karras et al. 2022, Algorithm 2).</summary>
public static class Euler
{
    public static Tensor Sample(SamplerContext c, Tensor input)
    {
        var x = input;
        for (int i = 0; i < c.Sigmas.Count - 1; i++)
        {
            using var scope = NewDisposeScope();
            var (xHat, sigmaHat, d) = DenoiseChurned(c, i, x);
            Advance(ref x, xHat + d * (c.Sigmas[i + 1] - sigmaHat), input);
        }
        return x;
    }
}
