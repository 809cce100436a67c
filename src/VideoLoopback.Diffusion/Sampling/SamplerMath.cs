using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>Small pieces shared by the k-diffusion samplers.</summary>
internal static class SamplerMath
{
    /// <summary>exp(x) − 1 without cancellation for small x (Kahan's formulation).</summary>
    public static double Expm1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1.0) return x;
        double um1 = u - 1.0;
        if (um1 == -1.0) return -1.0;
        return um1 * x / Math.Log(u);
    }

    /// <summary>The Karras ODE derivative (x − denoised) / sigma.</summary>
    public static Tensor ToD(Tensor x, double sigma, Tensor denoised) => (x - denoised) / sigma;

    /// <summary>
    /// Splits an ancestral step sigma_from → sigma_to into a deterministic step down to sigma_down
    /// and fresh noise of std sigma_up (eta scales the noise; eta = 0 is deterministic).
    /// </summary>
    public static (double Down, double Up) AncestralStep(double sigmaFrom, double sigmaTo, double eta)
    {
        if (eta == 0) return (sigmaTo, 0);
        double up = Math.Min(sigmaTo, eta * Math.Sqrt(sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo) / (sigmaFrom * sigmaFrom)));
        double down = Math.Sqrt(sigmaTo * sigmaTo - up * up);
        return (down, up);
    }

    /// <summary>Churn of Karras et al. Algorithm 2: gamma for step i (0 unless s_churn > 0 and sigma in [s_tmin, s_tmax]).</summary>
    public static double ChurnGamma(SamplerContext c, int i) =>
        c.STmin <= c.Sigmas[i] && c.Sigmas[i] <= c.STmax ? Math.Min(c.SChurn / (c.Sigmas.Count - 1), Math.Sqrt(2) - 1) : 0.0;

    /// <summary>
    /// Replaces the running tensor <paramref name="current"/> by <paramref name="next"/> (moved out of
    /// the step's dispose scope) and frees the old one unless it is the caller's input.
    /// </summary>
    public static void Advance(ref Tensor current, Tensor next, Tensor input)
    {
        next.MoveToOuterDisposeScope();
        if (!ReferenceEquals(current, input)) current.Dispose();
        current = next;
    }

    /// <summary>Keeps a tensor made inside a step's scope for a later step (multistep history).</summary>
    public static Tensor Keep(Tensor t) => t.MoveToOuterDisposeScope();

    /// <summary>
    /// The churn prefix of Euler/Heun/DPM2 (Karras et al. Algorithm 2): draws eps every step, as
    /// upstream does even when the churn is 0 and the draw is unused, and raises x to sigma_hat.
    /// </summary>
    public static Tensor Churn(SamplerContext c, int i, Tensor x, out double sigmaHat)
    {
        double gamma = ChurnGamma(c, i);
        using var eps = c.RandnLike();
        sigmaHat = c.Sigmas[i] * (gamma + 1);
        if (gamma > 0)
            return x + eps * c.SNoise * Math.Sqrt(sigmaHat * sigmaHat - (double)c.Sigmas[i] * c.Sigmas[i]);
        return x;
    }

    /// <summary>
    /// The start of step i of Euler, Heun and DPM2 (Karras et al. Algorithm 2), the same in all three: churn x up to
    /// sigma_hat, call the model there, take the ODE derivative d, report the step.
    /// </summary>
    public static (Tensor XHat, double SigmaHat, Tensor D) DenoiseChurned(SamplerContext c, int i, Tensor x)
    {
        var xHat = Churn(c, i, x, out double sigmaHat);
        var denoised = c.Denoise(xHat, sigmaHat);
        var d = ToD(xHat, sigmaHat, denoised);
        c.Report(i, xHat, c.Sigmas[i], sigmaHat, denoised);
        return (xHat, sigmaHat, d);
    }

    /// <summary>
    /// The start of step i of the ancestral samplers (Euler a, DPM2 a, DPM++ 2S a), the same in all three: call the
    /// model at sigma_i, split the step to sigma_{i+1} into sigma_down and sigma_up (<see cref="AncestralStep"/>),
    /// report the step.
    /// </summary>
    public static (Tensor Denoised, double Down, double Up) DenoiseAncestral(SamplerContext c, int i, Tensor x)
    {
        double sigma = c.Sigmas[i];
        var denoised = c.Denoise(x, sigma);
        var (down, up) = AncestralStep(sigma, c.Sigmas[i + 1], c.Eta);
        c.Report(i, x, sigma, sigma, denoised);
        return (denoised, down, up);
    }
}
