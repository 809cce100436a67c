namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// The quantile function (inverse CDF) of the Beta(a, b) distribution, used by the "Beta" scheduler
/// (scipy.stats.beta.ppf upstream). The regularized incomplete beta function is evaluated with its
/// continued fraction and inverted by bisection refined with Newton steps, to double precision.
/// </summary>
public static class BetaDistribution
{
    public static double Quantile(double p, double a, double b)
    {
        if (!(a > 0) || !(b > 0)) throw new ArgumentOutOfRangeException(nameof(a), $"Beta shape parameters must be > 0 (got a={a}, b={b})");
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "probability must lie in [0,1]");
        if (p == 0) return 0;
        if (p == 1) return 1;
        double lo = 0, hi = 1;
        double x = 0.5;
        for (int iteration = 0; iteration < 200; iteration++)
        {
            double f = RegularizedIncompleteBeta(x, a, b) - p;
            if (f == 0) return x;
            if (f < 0) lo = x; else hi = x;
            // Newton step from the density; fall back to bisection when it leaves the bracket.
            double density = Math.Exp((a - 1) * Math.Log(x) + (b - 1) * Math.Log(1 - x) - LogBeta(a, b));
            double next = x - f / density;
            if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
            if (Math.Abs(next - x) <= 1e-17 + 1e-16 * Math.Abs(x)) return next;
            x = next;
        }
        return x;
    }

    public static double RegularizedIncompleteBeta(double x, double a, double b)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double front = Math.Exp(a * Math.Log(x) + b * Math.Log(1 - x) - LogBeta(a, b));
        // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
        if (x < (a + 1) / (a + b + 2)) return front * ContinuedFraction(x, a, b) / a;
        return 1 - front * ContinuedFraction(1 - x, b, a) / b;
    }

    private static double LogBeta(double a, double b) => LogGamma(a) + LogGamma(b) - LogGamma(a + b);

    /// <summary>Lentz's evaluation of the incomplete-beta continued fraction.</summary>
    private static double ContinuedFraction(double x, double a, double b)
    {
        const double tiny = 1e-300;
        double c = 1, d = 1 - (a + b) * x / (a + 1);
        if (Math.Abs(d) < tiny) d = tiny;
        d = 1 / d;
        double result = d;
        for (int m = 1; m <= 10000; m++)
        {
            int m2 = 2 * m;
            double even = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 + even * d; if (Math.Abs(d) < tiny) d = tiny; d = 1 / d;
            c = 1 + even / c; if (Math.Abs(c) < tiny) c = tiny;
            result *= d * c;
            double odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 + odd * d; if (Math.Abs(d) < tiny) d = tiny; d = 1 / d;
            c = 1 + odd / c; if (Math.Abs(c) < tiny) c = tiny;
            double delta = d * c;
            result *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return result;
    }

    /// <summary>log Γ(x) for x &gt; 0 (Lanczos approximation, g = 7, 9 terms; ~1e-15 relative).</summary>
    private static double LogGamma(double x)
    {
        if (x < 0.5) return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        ReadOnlySpan<double> coefficients =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012,
            9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        x -= 1;
        double sum = coefficients[0];
        for (int i = 1; i < coefficients.Length; i++) sum += coefficients[i] / (x + i);
        double t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }
}
