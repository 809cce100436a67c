using static TorchSharp.torch;
using static VideoLoopback.Diffusion.Sampling.SamplerMath;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// "DPM++ SDE": stochastic DPM-Solver++ with a midpoint (r = 1/2); two noise draws per step from the
/// SDE noise sampler — first for (sigma → sigma_mid), then for (sigma → sigma_next).
/// Upstream asks the noise sampler at times it recomputes in float32 (sigma → t = −log σ → e^−t), which
/// can differ from the schedule's sigmas by an ulp; a Brownian tree resolves times to 1e-6, so the
/// queries use those float32 times exactly (<see cref="NoiseTimes"/>).
/// </summary>
public static class DpmPPSde
{
    public static Tensor Sample(SamplerContext c, Tensor input, double r = 0.5)
    {
        var x = input;
        for (int i = 0; i < c.Sigmas.Count - 1; i++)
        {
            using var scope = NewDisposeScope();
            double sigma = c.Sigmas[i], sigmaNext = c.Sigmas[i + 1];
            var denoised = c.Denoise(x, sigma);
            c.Report(i, x, sigma, sigma, denoised);
            if (sigmaNext == 0)
            {
                Advance(ref x, x + ToD(x, sigma, denoised) * (sigmaNext - sigma), input);
                continue;
            }
            double t = -Math.Log(sigma), tNext = -Math.Log(sigmaNext);
            double h = tNext - t, s = t + h * r, fac = 1 / (2 * r);
            double sigmaT = Math.Exp(-t), sigmaS = Math.Exp(-s);
            var (noiseSigma, noiseSigmaMid, noiseSigmaNext) = NoiseTimes(c.Sigmas[i], c.Sigmas[i + 1], r);

            // Step 1: to the midpoint s, with noise.
            var (down1, up1) = AncestralStep(sigmaT, sigmaS, c.Eta);
            double s_ = -Math.Log(down1);
            var x2 = x * (Math.Exp(-s_) / sigmaT) - denoised * Expm1(t - s_);
            x2 = x2 + c.SdeNoise(noiseSigma, noiseSigmaMid) * (c.SNoise * up1);
            var denoised2 = c.Denoise(x2, noiseSigmaMid); // upstream calls the model at the float32 sigma_fn(s) too

            // Step 2: the full step with the blended estimate, with noise.
            var (down2, up2) = AncestralStep(sigmaT, Math.Exp(-tNext), c.Eta);
            double tNext_ = -Math.Log(down2);
            var blended = denoised * (1 - fac) + denoised2 * fac;
            var next = x * (Math.Exp(-tNext_) / sigmaT) - blended * Expm1(t - tNext_);
            next = next + c.SdeNoise(noiseSigma, noiseSigmaNext) * (c.SNoise * up2);
            Advance(ref x, next, input);
        }
        return x;
    }

    /// <summary>
    /// k-diffusion's noise-sampler times for one step, in float32 as upstream's 0-dim tensors compute them
    /// (torch's own exp, see <see cref="TorchFloat32Math"/>): t = −log σ, t_next = −log σ_next,
    /// s = t + (t_next − t)·r, each mapped back by e^−t.
    /// </summary>
    internal static (float Sigma, float SigmaMid, float SigmaNext) NoiseTimes(float sigma, float sigmaNext, double r)
    {
        float t = -TorchFloat32Math.Log(sigma), tNext = -TorchFloat32Math.Log(sigmaNext);
        float s = t + (tNext - t) * (float)r;
        return (TorchFloat32Math.Exp(-t), TorchFloat32Math.Exp(-s), TorchFloat32Math.Exp(-tNext));
    }
}
