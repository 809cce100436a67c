using System.Globalization;
using System.Text;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// Python's float as text, both ways: float() for the number shapes prompt syntax admits, and repr() (which str() and
/// json.dumps use too), the one copy for prompts, schedules, job files and WebUI's infotext.
/// </summary>
public static class PythonFloat
{
    /// <summary>Python's float() of <paramref name="value"/> (Unicode decimal digits included).</summary>
    public static bool TryParse(string value, out double result)
    {
        var ascii = new StringBuilder(value.Length);
        foreach (char c in value)
            ascii.Append(char.IsDigit(c) ? (char)('0' + (int)char.GetNumericValue(c)) : c);
        return double.TryParse(ascii.ToString().Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out result);
    }

    /// <summary>
    /// CPython's repr(float): the shortest digits that round-trip; scientific when the decimal exponent is below -4 or
    /// 16 and above ("1e-05", "1e+16", "1.5e+300"), else positional with ".0" on integral values; "inf", "-inf", "nan".
    /// </summary>
    public static string Repr(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        if (value == 0) return double.IsNegative(value) ? "-0.0" : "0.0";
        var (digits, decimalPoint) = ShortestDigits(Math.Abs(value));
        var sign = value < 0 ? "-" : "";
        int exponent = decimalPoint - 1;
        if (exponent < -4 || exponent >= 16)
        {
            var mantissa = digits.Length == 1 ? digits : digits[..1] + "." + digits[1..];
            return sign + mantissa + ExponentSuffix('e', exponent);
        }
        if (decimalPoint <= 0) return sign + "0." + new string('0', -decimalPoint) + digits;
        if (decimalPoint >= digits.Length) return sign + digits + new string('0', decimalPoint - digits.Length) + ".0";
        return sign + digits[..decimalPoint] + "." + digits[decimalPoint..];
    }

    /// <summary>Python's exponent of a float in scientific form: the letter, a sign always, at least two digits ("e+05").</summary>
    public static string ExponentSuffix(char letter, int exponent) =>
        letter + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);

    /// <summary>Shortest round-trip digits of a positive finite double and the decimal point position: value = 0.DIGITS × 10^point.</summary>
    private static (string Digits, int DecimalPoint) ShortestDigits(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture); // .NET's "R" is the shortest round-trip form
        int exponent = 0;
        int e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }
        int dot = text.IndexOf('.');
        string integerPart = dot < 0 ? text : text[..dot];
        string all = dot < 0 ? text : integerPart + text[(dot + 1)..];
        int point = integerPart.Length + exponent;
        int leading = 0;
        while (leading < all.Length - 1 && all[leading] == '0') leading++;
        all = all[leading..].TrimEnd('0');
        return (all.Length == 0 ? "0" : all, point - leading);
    }
}
