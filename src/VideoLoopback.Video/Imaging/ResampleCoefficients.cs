namespace VideoLoopback.Video.Imaging;

/// <summary>
/// Pillow's per-axis resampling weights: the filter evaluated in double at each input tap inside
/// <c>center ± support</c>, normalised over the taps that exist (no padding), then turned into signed
/// fixed point with 22 fractional bits, rounding half away from zero.
/// </summary>
internal static class ResampleCoefficients
{
    public const int PrecisionBits = 22;

    /// <summary>
    /// Dense weights [inSize, outSize] (fixed-point integers stored as doubles, so an exact matrix product
    /// gives Pillow's 32-bit accumulator) for sampling the source interval [in0, in1) onto outSize samples.
    /// </summary>
    public static double[,] Matrix(ResampleFilter filter, int inSize, float in0, float in1, int outSize)
    {
        var key = (filter, inSize, in0, in1, outSize);
        if (Cache.TryGetValue(key, out var cached)) return cached;
        var matrix = Compute(filter, inSize, in0, in1, outSize);
        // a render uses a handful of geometries; the bound only guards against unbounded growth
        if (Cache.Count >= 64) Cache.Clear();
        Cache[key] = matrix;
        return matrix;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(ResampleFilter, int, float, float, int), double[,]> Cache = new();

    private static double[,] Compute(ResampleFilter filter, int inSize, float in0, float in1, int outSize)
    {
        var (support, kernel) = Kernel(filter);
        var scale = (double)(in1 - in0) / outSize;
        var filterScale = Math.Max(scale, 1.0);
        var reach = support * filterScale;
        var reciprocal = 1.0 / filterScale;
        var matrix = new double[inSize, outSize];
        var weights = new double[(int)Math.Ceiling(reach) * 2 + 2];
        for (var i = 0; i < outSize; i++)
        {
            var center = in0 + (i + 0.5) * scale;
            var xmin = Math.Max((int)(center - reach + 0.5), 0);
            var xmax = Math.Min((int)(center + reach + 0.5), inSize);
            var n = xmax - xmin;
            var total = 0.0;
            for (var j = 0; j < n; j++)
            {
                var w = kernel((j + xmin - center + 0.5) * reciprocal);
                weights[j] = w;
                total += w;
            }
            for (var j = 0; j < n; j++)
            {
                var w = total != 0.0 ? weights[j] / total : weights[j];
                matrix[xmin + j, i] = w < 0
                    ? (int)(w * (1 << PrecisionBits) - 0.5)
                    : (int)(w * (1 << PrecisionBits) + 0.5);
            }
        }
        return matrix;
    }

    private static (double Support, Func<double, double> Kernel) Kernel(ResampleFilter filter) => filter switch
    {
        ResampleFilter.Bilinear => (1.0, Bilinear),
        ResampleFilter.Bicubic => (2.0, Bicubic),
        ResampleFilter.Lanczos => (3.0, Lanczos),
        _ => throw new ArgumentException($"no convolution kernel for {filter}", nameof(filter)),
    };

    private static double Bilinear(double x)
    {
        if (x < 0.0) x = -x;
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    private static double Bicubic(double x)
    {
        const double a = -0.5;
        if (x < 0.0) x = -x;
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }

    private static double Lanczos(double x) => -3.0 <= x && x < 3.0 ? Sinc(x) * Sinc(x / 3.0) : 0.0;

    private static double Sinc(double x)
    {
        if (x == 0.0) return 1.0;
        x *= Math.PI;
        return Math.Sin(x) / x;
    }
}
