using static TorchSharp.torch;
using static VideoLoopback.Diffusion.Sampling.SamplerMath;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>"DPM++ 3M SDE": third-order multistep DPM-Solver++ SDE; the last step returns the denoised estimate.</summary>
public static class DpmPP3MSde
{
    public static Tensor Sample(SamplerContext c, Tensor input)
    {
        var x = input;
        using var history = new DenoisedHistory(2);
        for (int i = 0; i < c.Sigmas.Count - 1; i++)
        {
            using var scope = NewDisposeScope();
            double sigma = c.Sigmas[i], sigmaNext = c.Sigmas[i + 1];
            var denoised = c.Denoise(x, sigma);
            c.Report(i, x, sigma, sigma, denoised);
            double? h = null;
            if (sigmaNext == 0)
            {
                Advance(ref x, denoised.alias(), input);
            }
            else
            {
                double step = -Math.Log(sigmaNext) - -Math.Log(sigma);
                h = step;
                double hEta = step * (c.Eta + 1);
                var next = x * Math.Exp(-hEta) + denoised * -Expm1(-hEta);
                var (denoised1, h1) = (history.Denoised(1), history.H(1));
                var (denoised2, h2) = (history.Denoised(2), history.H(2));
                if (h2 is not null && denoised2 is not null && denoised1 is not null)
                {
                    double r0 = h1!.Value / step, r1 = h2.Value / step;
                    var d10 = (denoised - denoised1) / r0;
                    var d11 = (denoised1 - denoised2) / r1;
                    var d1 = d10 + (d10 - d11) * (r0 / (r0 + r1));
                    var d2 = (d10 - d11) / (r0 + r1);
                    double phi2 = Expm1(-hEta) / hEta + 1;
                    double phi3 = phi2 / hEta - 0.5;
                    next = next + d1 * phi2 - d2 * phi3;
                }
                else if (h1 is not null && denoised1 is not null)
                {
                    double r = h1.Value / step;
                    double phi2 = Expm1(-hEta) / hEta + 1;
                    next = next + (denoised - denoised1) / r * phi2;
                }
                if (c.Eta != 0)
                    next = next + c.SdeNoise(sigma, sigmaNext) * (sigmaNext * Math.Sqrt(-Expm1(-2 * step * c.Eta)) * c.SNoise);
                Advance(ref x, next, input);
            }
            history.Push(denoised, h);
        }
        return x;
    }
}
