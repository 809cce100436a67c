using System.Globalization;
using System.Numerics;

namespace VideoLoopback.Diffusion.Sampling.Noise;

/// <summary>
/// Python's <c>round(x, ndigits)</c> for floats: the exact binary value rounded half-to-even to
/// <c>ndigits</c> decimals, then the double nearest that decimal. (Math.Round(x, n) scales by 10ⁿ in
/// floating point and so differs on some inputs.) torchsde quantises every time of its Brownian tree
/// with it, and a time off by one ulp lands in a different tree node.
/// </summary>
public static class DecimalRounding
{
    public static double Round(double x, int ndigits)
    {
        if (ndigits < 0) throw new ArgumentOutOfRangeException(nameof(ndigits), ndigits, "only non-negative digit counts are supported");
        if (!double.IsFinite(x) || x == 0) return x;

        long bits = BitConverter.DoubleToInt64Bits(x);
        bool negative = bits < 0;
        int exponentBits = (int)((bits >> 52) & 0x7FF);
        long fraction = bits & 0xFFFFFFFFFFFFFL;
        // |x| = mantissa · 2^exponent exactly.
        BigInteger mantissa = exponentBits == 0 ? fraction : fraction | (1L << 52);
        int exponent = (exponentBits == 0 ? 1 : exponentBits) - 1075;

        BigInteger scaled = mantissa * BigInteger.Pow(10, ndigits);
        BigInteger digits;
        if (exponent >= 0)
        {
            digits = scaled << exponent;
        }
        else
        {
            BigInteger denominator = BigInteger.One << -exponent;
            digits = BigInteger.DivRem(scaled, denominator, out var remainder);
            int half = (remainder * 2).CompareTo(denominator);
            if (half > 0 || (half == 0 && !digits.IsEven)) digits += 1;
        }
        // .NET's parser is correctly rounded, like Python's string-to-double step.
        double rounded = double.Parse($"{digits}E-{ndigits}", NumberStyles.Float, CultureInfo.InvariantCulture);
        return negative ? -rounded : rounded;
    }
}
