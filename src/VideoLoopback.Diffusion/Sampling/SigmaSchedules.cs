namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// The sigma schedules WebUI offers (k-diffusion's and modules/sd_schedulers.py), each reproduced in
/// the precision upstream computes it (float32 torch ops, or float64 numpy cast to float32 at the end).
/// Every list runs from high to low noise; all but KL Optimal end with an appended 0.
/// </summary>
public static class SigmaSchedules
{
    /// <summary>The "Uniform" schedule (CompVisDenoiser.get_sigmas): t = linspace(999, 0, n), mapped to sigma, + 0.</summary>
    public static float[] Uniform(int n, DiscreteSchedule model)
    {
        var t = Float32Linspace.Create(model.Timesteps - 1, 0f, n);
        return AppendZero(t.Select(v => (float)model.TToSigma(v)));
    }

    /// <summary>Karras et al. (2022): sigma^(1/rho) linear between the ends; for n = 1 that is [sigma_max, 0].</summary>
    public static float[] Karras(int n, double sigmaMin, double sigmaMax, double rho = 7.0)
    {
        var ramp = Float32Linspace.Create(0f, 1f, n);
        double minInvRho = Math.Pow(sigmaMin, 1 / rho), maxInvRho = Math.Pow(sigmaMax, 1 / rho);
        float baseValue = (float)maxInvRho, span = (float)(minInvRho - maxInvRho), exponent = (float)rho;
        return AppendZero(ramp.Select(r => MathF.Pow(baseValue + r * span, exponent)));
    }

    /// <summary>Log-sigma linear from sigma_max to sigma_min.</summary>
    public static float[] Exponential(int n, double sigmaMin, double sigmaMax)
    {
        var logSigmas = Float32Linspace.Create((float)Math.Log(sigmaMax), (float)Math.Log(sigmaMin), n);
        return AppendZero(logSigmas.Select(MathF.Exp));
    }

    /// <summary>Log-sigma follows a polynomial ramp of degree rho (rho = 1 is the exponential schedule).</summary>
    public static float[] Polyexponential(int n, double sigmaMin, double sigmaMax, double rho = 1.0)
    {
        var ramp = Float32Linspace.Create(1f, 0f, n);
        float logRange = (float)(Math.Log(sigmaMax) - Math.Log(sigmaMin)), logMin = (float)Math.Log(sigmaMin);
        return AppendZero(ramp.Select(r => MathF.Exp(MathF.Pow(r, (float)rho) * logRange + logMin)));
    }

    /// <summary>SGM Uniform: timesteps linear from t(sigma_max) to t(sigma_min) over n+1 points, the last dropped.</summary>
    public static float[] SgmUniform(int n, DiscreteSchedule model) => TimestepLinear(n, model, dropLast: true);

    /// <summary>Normal: timesteps linear from t(sigma_max) to t(sigma_min), n points.</summary>
    public static float[] Normal(int n, DiscreteSchedule model) => TimestepLinear(n, model, dropLast: false);

    private static float[] TimestepLinear(int n, DiscreteSchedule model, bool dropLast)
    {
        float start = (float)model.SigmaToT(model.SigmaMax), end = (float)model.SigmaToT(model.SigmaMin);
        var t = Float32Linspace.Create(start, end, dropLast ? n + 1 : n);
        return AppendZero(t.Take(n).Select(v => (float)model.TToSigma(v)));
    }

    /// <summary>Simple: every (1000/n)-th training sigma counted from the top.</summary>
    public static float[] Simple(int n, DiscreteSchedule model)
    {
        double stride = (double)model.Timesteps / n;
        return AppendZero(Enumerable.Range(0, n).Select(x => model.Sigmas[model.Timesteps - 1 - (int)(x * stride)]));
    }

    /// <summary>DDIM: training sigmas 1, 1+s, 1+2s, … (s = 1000 div n), reversed; may give more than n values.</summary>
    public static float[] Ddim(int n, DiscreteSchedule model)
    {
        int stride = Math.Max(model.Timesteps / n, 1);
        var picked = new List<float>();
        for (int x = 1; x < model.Timesteps; x += stride) picked.Add(model.Sigmas[x]);
        picked.Reverse();
        return AppendZero(picked);
    }

    /// <summary>KL Optimal: tan of an arctan-linear ramp; ends at sigma_min (no zero appended).</summary>
    public static float[] KlOptimal(int n, double sigmaMin, double sigmaMax)
    {
        float alphaMin = MathF.Atan((float)sigmaMin), alphaMax = MathF.Atan((float)sigmaMax);
        var sigmas = new float[n + 1];
        for (int i = 0; i <= n; i++)
        {
            float fraction = (float)i / n;
            sigmas[i] = MathF.Tan(fraction * alphaMin + (1f - fraction) * alphaMax);
        }
        return sigmas;
    }

    /// <summary>NVIDIA's Align Your Steps sigmas for SD1.5, log-linearly resampled to n steps when n ≠ 11.</summary>
    public static float[] AlignYourSteps(int n)
    {
        double[] reference = [14.615, 6.475, 3.861, 2.697, 1.886, 1.396, 0.963, 0.652, 0.399, 0.152, 0.029];
        if (n == reference.Length)
            return AppendZero(reference.Select(v => (float)v));
        // Interpolate log sigma (ascending order) at n evenly spaced positions, in float64.
        int m = reference.Length;
        var ascendingLogs = reference.Reverse().Select(v => Math.Log(v)).ToArray();
        var result = new float[n];
        for (int i = 0; i < n; i++)
        {
            double position = n == 1 ? 0 : (double)i / (n - 1) * (m - 1);
            int left = Math.Min((int)Math.Floor(position), m - 2);
            double fraction = position - left;
            double logSigma = ascendingLogs[left] + fraction * (ascendingLogs[left + 1] - ascendingLogs[left]);
            result[n - 1 - i] = (float)Math.Exp(logSigma);
        }
        return AppendZero(result);
    }

    /// <summary>Beta: sigma_min + ppf(1 - linspace(0,1,n); alpha, beta)·(sigma_max − sigma_min) ("Beta Sampling is All You Need").</summary>
    public static float[] Beta(int n, double sigmaMin, double sigmaMax, double alpha = 0.6, double beta = 0.6)
    {
        var sigmas = new float[n];
        for (int i = 0; i < n; i++)
        {
            double position = n == 1 ? 0 : i * (1.0 / (n - 1));
            if (i == n - 1 && n > 1) position = 1.0;
            double quantile = BetaDistribution.Quantile(1 - position, alpha, beta);
            sigmas[i] = (float)(sigmaMin + quantile * (sigmaMax - sigmaMin));
        }
        return AppendZero(sigmas);
    }

    /// <summary>WebUI's discard-next-to-last-sigma rule: drop the second-to-last entry (a schedule made for steps+1).</summary>
    public static float[] DiscardNextToLast(float[] sigmas)
    {
        if (sigmas.Length < 2) throw new ArgumentException("a schedule needs at least 2 sigmas to drop the next-to-last", nameof(sigmas));
        return [.. sigmas[..^2], sigmas[^1]];
    }

    private static float[] AppendZero(IEnumerable<float> sigmas) => [.. sigmas, 0f];
}
