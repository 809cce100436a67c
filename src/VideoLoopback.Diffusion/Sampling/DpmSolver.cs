using static TorchSharp.torch;
using static VideoLoopback.Diffusion.Sampling.SamplerMath;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// DPM-Solver (Lu et al. 2022) in t = −log(sigma), behind "DPM fast" (fixed steps of order 3,…)
/// and "DPM adaptive" (embedded 2/3 pair with a PID step-size controller). The model is used as an
/// eps predictor, eps = (x − D(x, sigma)) / sigma, cached per solver step.
/// </summary>
public static class DpmSolver
{
    /// <summary>"DPM fast": sigma_max → sigma_min in <paramref name="modelCalls"/> evaluations, orders 3,3,…,(2,1 | n mod 3).</summary>
    public static Tensor SampleFast(SamplerContext c, Tensor input, double sigmaMin, double sigmaMax, int modelCalls)
    {
        if (sigmaMin <= 0 || sigmaMax <= 0) throw new ArgumentOutOfRangeException(nameof(sigmaMin), "DPM fast: sigma_min and sigma_max must be > 0");
        if (modelCalls < 1) throw new ArgumentOutOfRangeException(nameof(modelCalls), modelCalls, "DPM fast needs at least 1 model call");
        double tStart = -MathF.Log((float)sigmaMax), tEnd = -MathF.Log((float)sigmaMin); // float32, as upstream
        int m = modelCalls / 3 + 1;
        var ts = Float32Linspace.Create((float)tStart, (float)tEnd, m + 1);
        var orders = new List<int>();
        if (modelCalls % 3 == 0) { orders.AddRange(Enumerable.Repeat(3, m - 2)); orders.Add(2); orders.Add(1); }
        else { orders.AddRange(Enumerable.Repeat(3, m - 1)); orders.Add(modelCalls % 3); }

        var x = input;
        for (int i = 0; i < orders.Count; i++)
        {
            using var scope = NewDisposeScope();
            double t = ts[i], tNext = ts[i + 1];
            double tNext_ = tNext, su = 0;
            if (c.Eta != 0)
            {
                var (sd, _) = AncestralStep(Sigma(t), Sigma(tNext), c.Eta);
                tNext_ = Math.Min(tEnd, -Math.Log(sd));
                su = Math.Sqrt(Sigma(tNext) * Sigma(tNext) - Sigma(tNext_) * Sigma(tNext_));
            }
            var cache = new EpsCache(c);
            var eps = cache.Get("eps", x, t);
            var denoised = x - eps * Sigma(t);
            c.Report(i, x, Sigma(t), Sigma(t), denoised);
            var next = orders[i] switch
            {
                1 => Step1(cache, x, t, tNext_),
                2 => Step2(cache, x, t, tNext_),
                _ => Step3(cache, x, t, tNext_),
            };
            next = next + c.RandnLike() * (su * c.SNoise);
            Advance(ref x, next, input);
        }
        return x;
    }

    /// <summary>Outcome of "DPM adaptive": the sample and the controller's counts.</summary>
    public sealed record AdaptiveResult(Tensor Sample, int Steps, int Accepted, int Rejected, int ModelCalls);

    /// <summary>"DPM adaptive": order-3 steps with an order-2 error estimate; steps are accepted or retried with a smaller h.</summary>
    public static AdaptiveResult SampleAdaptive(SamplerContext c, Tensor input, double sigmaMin, double sigmaMax,
        int order = 3, double rtol = 0.05, double atol = 0.0078, double hInit = 0.05,
        double pcoeff = 0, double icoeff = 1, double dcoeff = 0, double acceptSafety = 0.81)
    {
        if (sigmaMin <= 0 || sigmaMax <= 0) throw new ArgumentOutOfRangeException(nameof(sigmaMin), "DPM adaptive: sigma_min and sigma_max must be > 0");
        if (order is not (2 or 3)) throw new ArgumentOutOfRangeException(nameof(order), order, "DPM adaptive: order must be 2 or 3");
        double tStart = -MathF.Log((float)sigmaMax), tEnd = -MathF.Log((float)sigmaMin); // float32, as upstream
        bool forward = tEnd > tStart;
        if (!forward && c.Eta != 0) throw new ArgumentException("DPM adaptive: eta must be 0 for reverse sampling");
        var pid = new PidStepSizeController(Math.Abs(hInit) * (forward ? 1 : -1), pcoeff, icoeff, dcoeff, c.Eta != 0 ? 1.5 : order, acceptSafety);
        double s = tStart;
        var x = input;
        var xPrev = input;
        int steps = 0, accepted = 0, rejected = 0, calls = 0;
        try
        {
            while (forward ? s < tEnd - 1e-5 : s > tEnd + 1e-5)
            {
                using var scope = NewDisposeScope();
                double t = forward ? Math.Min(tEnd, s + pid.H) : Math.Max(tEnd, s + pid.H);
                double t_ = t, su = 0;
                if (c.Eta != 0)
                {
                    var (sd, _) = AncestralStep(Sigma(s), Sigma(t), c.Eta);
                    t_ = Math.Min(tEnd, -Math.Log(sd));
                    su = Math.Sqrt(Sigma(t) * Sigma(t) - Sigma(t_) * Sigma(t_));
                }
                var cache = new EpsCache(c);
                var eps = cache.Get("eps", x, s);
                var denoised = x - eps * Sigma(s);
                Tensor low, high;
                if (order == 2) { low = Step1(cache, x, s, t_); high = Step2(cache, x, s, t_); }
                else { low = Step2(cache, x, s, t_, r1: 1.0 / 3); high = Step3(cache, x, s, t_); }
                var delta = maximum(tensor(atol, dtype: x.dtype, device: x.device), maximum(low.abs(), xPrev.abs()) * rtol);
                double error = linalg.norm((low - high) / delta).item<float>() / Math.Sqrt(x.numel());
                bool accept = pid.ProposeStep(error);
                if (accept)
                {
                    if (!ReferenceEquals(xPrev, input) && !ReferenceEquals(xPrev, x)) xPrev.Dispose();
                    xPrev = Keep(low);
                    Advance(ref x, high + c.RandnLike() * (su * c.SNoise), input);
                    s = t;
                    accepted++;
                }
                else
                {
                    rejected++;
                }
                calls += order;
                steps++;
                c.Report(steps - 1, x, Sigma(s), Sigma(s), denoised);
            }
        }
        finally
        {
            if (!ReferenceEquals(xPrev, input) && !ReferenceEquals(xPrev, x)) xPrev.Dispose();
        }
        return new AdaptiveResult(x, steps, accepted, rejected, calls);
    }

    private static double Sigma(double t) => Math.Exp(-t);

    private static Tensor Step1(EpsCache cache, Tensor x, double t, double tNext)
    {
        double h = tNext - t;
        var eps = cache.Get("eps", x, t);
        return x - eps * (Sigma(tNext) * Expm1(h));
    }

    private static Tensor Step2(EpsCache cache, Tensor x, double t, double tNext, double r1 = 0.5)
    {
        double h = tNext - t;
        var eps = cache.Get("eps", x, t);
        double s1 = t + r1 * h;
        var u1 = x - eps * (Sigma(s1) * Expm1(r1 * h));
        var epsR1 = cache.Get("eps_r1", u1, s1);
        return x - eps * (Sigma(tNext) * Expm1(h)) - (epsR1 - eps) * (Sigma(tNext) / (2 * r1) * Expm1(h));
    }

    private static Tensor Step3(EpsCache cache, Tensor x, double t, double tNext, double r1 = 1.0 / 3, double r2 = 2.0 / 3)
    {
        double h = tNext - t;
        var eps = cache.Get("eps", x, t);
        double s1 = t + r1 * h, s2 = t + r2 * h;
        var u1 = x - eps * (Sigma(s1) * Expm1(r1 * h));
        var epsR1 = cache.Get("eps_r1", u1, s1);
        var u2 = x - eps * (Sigma(s2) * Expm1(r2 * h))
                   - (epsR1 - eps) * (Sigma(s2) * (r2 / r1) * (Expm1(r2 * h) / (r2 * h) - 1));
        var epsR2 = cache.Get("eps_r2", u2, s2);
        return x - eps * (Sigma(tNext) * Expm1(h)) - (epsR2 - eps) * (Sigma(tNext) / r2 * (Expm1(h) / h - 1));
    }

    /// <summary>eps evaluations of one solver step, keyed like upstream so each is computed once.</summary>
    private sealed class EpsCache(SamplerContext c)
    {
        private readonly Dictionary<string, Tensor> _values = [];

        public Tensor Get(string key, Tensor x, double t)
        {
            if (_values.TryGetValue(key, out var cached)) return cached;
            double sigma = Sigma(t);
            var eps = (x - c.Denoise(x, sigma)) / sigma;
            _values[key] = eps;
            return eps;
        }
    }

    /// <summary>PID controller for the adaptive step size (accept when the proposed factor ≥ accept_safety).</summary>
    private sealed class PidStepSizeController(double h, double pcoeff, double icoeff, double dcoeff, double order, double acceptSafety, double eps = 1e-8)
    {
        private readonly double _b1 = (pcoeff + icoeff + dcoeff) / order;
        private readonly double _b2 = -(pcoeff + 2 * dcoeff) / order;
        private readonly double _b3 = dcoeff / order;
        private double[]? _errors;

        public double H { get; private set; } = h;

        public bool ProposeStep(double error)
        {
            double inverse = 1 / (error + eps);
            _errors ??= [inverse, inverse, inverse];
            _errors[0] = inverse;
            double factor = Math.Pow(_errors[0], _b1) * Math.Pow(_errors[1], _b2) * Math.Pow(_errors[2], _b3);
            factor = 1 + Math.Atan(factor - 1);
            bool accept = factor >= acceptSafety;
            if (accept)
            {
                _errors[2] = _errors[1];
                _errors[1] = _errors[0];
            }
            H *= factor;
            return accept;
        }
    }
}
