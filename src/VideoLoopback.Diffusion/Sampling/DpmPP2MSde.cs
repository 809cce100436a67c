using static TorchSharp.torch;
using static VideoLoopback.Diffusion.Sampling.SamplerMath;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>Second-order correction used by "DPM++ 2M SDE": midpoint ("DPM++ 2M SDE") or Heun ("DPM++ 2M SDE Heun").</summary>
public enum DpmPP2MSdeSolver { Midpoint, Heun }

/// <summary>"DPM++ 2M SDE" / "DPM++ 2M SDE Heun": DPM-Solver++(2M) SDE; the last step returns the denoised estimate.</summary>
public static class DpmPP2MSde
{
    public static Tensor Sample(SamplerContext c, Tensor input, DpmPP2MSdeSolver solver = DpmPP2MSdeSolver.Midpoint)
    {
        var x = input;
        using var history = new DenoisedHistory(1);
        for (int i = 0; i < c.Sigmas.Count - 1; i++)
        {
            using var scope = NewDisposeScope();
            double sigma = c.Sigmas[i], sigmaNext = c.Sigmas[i + 1];
            var denoised = c.Denoise(x, sigma);
            c.Report(i, x, sigma, sigma, denoised);
            double h = 0;
            if (sigmaNext == 0)
            {
                Advance(ref x, denoised.alias(), input);
            }
            else
            {
                h = -Math.Log(sigmaNext) - -Math.Log(sigma);
                double etaH = c.Eta * h;
                double phi = -Expm1(-h - etaH);
                var next = x * (sigmaNext / sigma * Math.Exp(-etaH)) + denoised * phi;
                if (history.Denoised(1) is { } oldDenoised)
                {
                    double r = history.H(1)!.Value / h;
                    double factor = solver == DpmPP2MSdeSolver.Heun ? (phi / (-h - etaH) + 1) * (1 / r) : 0.5 * phi * (1 / r);
                    next = next + (denoised - oldDenoised) * factor;
                }
                if (c.Eta != 0)
                    next = next + c.SdeNoise(sigma, sigmaNext) * (sigmaNext * Math.Sqrt(-Expm1(-2 * etaH)) * c.SNoise);
                Advance(ref x, next, input);
            }
            history.Push(denoised, h);
        }
        return x;
    }
}
