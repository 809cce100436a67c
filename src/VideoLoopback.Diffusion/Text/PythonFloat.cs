using System.Globalization;
using System.Text;

namespace VideoLoopback.Diffusion.Text;

/// <summary>Python's float() for the number shapes prompt syntax admits (Unicode decimal digits included).</summary>
internal static class PythonFloat
{
    public static bool TryParse(string value, out double result)
    {
        var ascii = new StringBuilder(value.Length);
        foreach (char c in value)
            ascii.Append(char.IsDigit(c) ? (char)('0' + (int)char.GetNumericValue(c)) : c);
        return double.TryParse(ascii.ToString().Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out result);
    }
}
