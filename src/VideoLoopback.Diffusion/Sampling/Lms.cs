using static TorchSharp.torch;
using static VideoLoopback.Diffusion.Sampling.SamplerMath;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// "LMS": linear multistep over the last (up to 4) derivatives, the coefficients being integrals of
/// the Lagrange basis polynomials over [sigma_i, sigma_i+1].
/// </summary>
public static class Lms
{
    public const int DefaultOrder = 4;

    public static Tensor Sample(SamplerContext c, Tensor input, int order = DefaultOrder)
    {
        var x = input;
        var history = new List<Tensor>(); // newest last
        try
        {
            for (int i = 0; i < c.Sigmas.Count - 1; i++)
            {
                using var scope = NewDisposeScope();
                double sigma = c.Sigmas[i];
                var denoised = c.Denoise(x, sigma);
                history.Add(Keep(ToD(x, sigma, denoised)));
                if (history.Count > order) { history[0].Dispose(); history.RemoveAt(0); }
                c.Report(i, x, sigma, sigma, denoised);
                int currentOrder = Math.Min(i + 1, order);
                var next = x;
                for (int j = 0; j < currentOrder; j++)
                    next = next + history[history.Count - 1 - j] * Coefficient(currentOrder, c.Sigmas, i, j);
                Advance(ref x, next, input);
            }
        }
        finally
        {
            foreach (var d in history) d.Dispose();
        }
        return x;
    }

    /// <summary>
    /// ∫ over [t_i, t_i+1] of the Lagrange basis polynomial of node t_(i-j) on the nodes t_i … t_(i-order+1).
    /// The integrand has degree ≤ 3, so 4-point Gauss–Legendre is exact (upstream uses adaptive quadrature).
    /// </summary>
    public static double Coefficient(int order, IReadOnlyList<float> t, int i, int j)
    {
        if (order - 1 > i) throw new ArgumentException($"LMS order {order} is too high for step {i}");
        double Basis(double tau)
        {
            double product = 1;
            for (int k = 0; k < order; k++)
            {
                if (k == j) continue;
                product *= (tau - t[i - k]) / ((double)t[i - j] - t[i - k]);
            }
            return product;
        }
        ReadOnlySpan<double> nodes = [-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526];
        ReadOnlySpan<double> weights = [0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538];
        double a = t[i], b = t[i + 1], half = (b - a) / 2, mid = (a + b) / 2, sum = 0;
        for (int q = 0; q < nodes.Length; q++) sum += weights[q] * Basis(mid + half * nodes[q]);
        return sum * half;
    }
}
