using System.Globalization;
using System.Numerics;
using System.Text;
using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Video.Schedules;

/// <summary>
/// Python's text forms of values (float repr is <see cref="PythonFloat.Repr"/>): str repr (quotes and escapes), the format-spec
/// mini-language of f-strings and format(), and round(x, n). Decimal rounding is done on the exact binary value,
/// half to even, as CPython's dtoa does.
/// </summary>
internal static class PythonFormat
{
    private const int MaxWidthOrPrecision = 10_000;

    // ---- repr ---------------------------------------------------------------------------------

    public static string StrRepr(string value)
    {
        char quote = value.Contains('\'') && !value.Contains('"') ? '"' : '\'';
        var builder = new StringBuilder(value.Length + 2).Append(quote);
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c == quote) builder.Append('\\').Append(c);
                    else if (c < 0x20 || c == 0x7f) builder.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else builder.Append(c);
                    break;
            }
        }
        return builder.Append(quote).ToString();
    }

    // ---- exact decimal rounding ---------------------------------------------------------------

    /// <summary>The exact value of |x| as a fraction.</summary>
    private static (BigInteger Numerator, BigInteger Denominator) Exact(double x)
    {
        long bits = BitConverter.DoubleToInt64Bits(Math.Abs(x));
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0) exponent = 1;
        else mantissa |= 1L << 52;
        exponent -= 1075;
        return exponent >= 0 ? (new BigInteger(mantissa) << exponent, BigInteger.One) : (new BigInteger(mantissa), BigInteger.One << -exponent);
    }

    private static BigInteger RoundHalfEven(BigInteger numerator, BigInteger denominator)
    {
        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        var twice = remainder * 2;
        if (twice > denominator || (twice == denominator && !quotient.IsEven)) quotient += 1;
        return quotient;
    }

    /// <summary>round(|x| × 10^shift) half to even, exactly.</summary>
    private static BigInteger ScaledRound(double x, int shift)
    {
        var (n, d) = Exact(x);
        return shift >= 0 ? RoundHalfEven(n * BigInteger.Pow(10, shift), d) : RoundHalfEven(n, d * BigInteger.Pow(10, -shift));
    }

    /// <summary>|x| with exactly <paramref name="precision"/> digits after the point.</summary>
    private static string FixedDigits(double x, int precision)
    {
        var digits = ScaledRound(x, precision).ToString(CultureInfo.InvariantCulture).PadLeft(precision + 1, '0');
        return precision == 0 ? digits : digits[..^precision] + "." + digits[^precision..];
    }

    /// <summary>|x| rounded to precision+1 significant digits: the digits and the decimal exponent of the first one.</summary>
    private static (string Digits, int Exponent) ScientificDigits(double x, int precision)
    {
        if (x == 0) return (new string('0', precision + 1), 0);
        int exponent = (int)Math.Floor(Math.Log10(Math.Abs(x)));
        var low = BigInteger.Pow(10, precision);
        var high = low * 10;
        for (int attempt = 0; attempt < 4; attempt++)
        {
            var scaled = ScaledRound(x, precision - exponent);
            if (scaled >= high) { exponent++; continue; }
            if (scaled < low) { exponent--; continue; }
            return (scaled.ToString(CultureInfo.InvariantCulture), exponent);
        }
        throw new InvalidOperationException("decimal exponent did not settle");
    }

    /// <summary>Python round(x, ndigits) for a float: correctly rounded, half to even on the exact binary value.</summary>
    public static double RoundFloat(double x, BigInteger ndigits)
    {
        if (!double.IsFinite(x) || x == 0) return x;
        if (ndigits > 22) return x;
        if (ndigits < -308) return 0.0 * x;
        int n = (int)ndigits;
        var scaled = ScaledRound(x, n);
        var text = scaled.ToString(CultureInfo.InvariantCulture) + "e" + (-n).ToString(CultureInfo.InvariantCulture);
        var result = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (double.IsInfinity(result)) throw PythonError.Overflow("rounded value too large to represent");
        return Math.CopySign(result, x);
    }

    /// <summary>Python round(int, ndigits): a multiple of 10^-ndigits, half to even.</summary>
    public static BigInteger RoundInteger(BigInteger x, BigInteger ndigits)
    {
        if (ndigits >= 0) return x;
        if (-ndigits > 100_000) return BigInteger.Zero;
        var unit = BigInteger.Pow(10, (int)-ndigits);
        var quotient = PythonOps.FloorDiv(x, unit);
        var twice = (x - quotient * unit) * 2;
        if (twice > unit || (twice == unit && !quotient.IsEven)) quotient += 1;
        return quotient * unit;
    }

    // ---- format specs -------------------------------------------------------------------------

    private sealed record Spec(char Fill, char? Align, char Sign, bool Alternate, bool ZeroPad, int? Width, char? Grouping, int? Precision, char? Type);

    private static Spec ParseSpec(string spec)
    {
        int i = 0;
        char fill = ' ';
        char? align = null;
        static bool IsAlign(char c) => c is '<' or '>' or '=' or '^';
        if (spec.Length >= 2 && IsAlign(spec[1])) { fill = spec[0]; align = spec[1]; i = 2; }
        else if (spec.Length >= 1 && IsAlign(spec[0])) { align = spec[0]; i = 1; }
        char sign = '-';
        if (i < spec.Length && spec[i] is '+' or '-' or ' ') sign = spec[i++];
        if (i < spec.Length && spec[i] == 'z') i++;
        bool alternate = false, zero = false;
        if (i < spec.Length && spec[i] == '#') { alternate = true; i++; }
        if (i < spec.Length && spec[i] == '0') { zero = true; i++; }
        int? width = ReadNumber(spec, ref i);
        char? grouping = null;
        if (i < spec.Length && spec[i] is ',' or '_') grouping = spec[i++];
        int? precision = null;
        if (i < spec.Length && spec[i] == '.')
        {
            i++;
            precision = ReadNumber(spec, ref i) ?? throw PythonError.Value("Format specifier missing precision");
        }
        char? type = null;
        if (i < spec.Length) type = spec[i++];
        if (i < spec.Length) throw PythonError.Value($"Invalid format specifier '{spec}'");
        return new Spec(fill, align, sign, alternate, zero, width, grouping, precision, type);
    }

    private static int? ReadNumber(string spec, ref int i)
    {
        int start = i;
        while (i < spec.Length && char.IsAsciiDigit(spec[i])) i++;
        if (i == start) return null;
        if (i - start > 5 || int.Parse(spec[start..i], CultureInfo.InvariantCulture) > MaxWidthOrPrecision)
            throw PythonError.Limit($"format width or precision larger than {MaxWidthOrPrecision}");
        return int.Parse(spec[start..i], CultureInfo.InvariantCulture);
    }

    /// <summary>Python <c>format(value, spec)</c>.</summary>
    public static string Format(ScheduleValue value, string spec)
    {
        if (spec.Length == 0) return value.Str();
        var parsed = ParseSpec(spec);
        return value switch
        {
            StrValue s => FormatString(s.Value, parsed),
            FloatValue f => FormatFloat(f.Value, parsed),
            IntValue or BoolValue => FormatInteger(value, parsed),
            _ => throw PythonError.Type($"unsupported format string passed to {value.TypeName}.__format__"),
        };
    }

    private static string FormatString(string text, Spec spec)
    {
        if (spec.Type is not (null or 's')) throw PythonError.Value($"Unknown format code '{spec.Type}' for object of type 'str'");
        if (spec.Sign != '-') throw PythonError.Value("Sign not allowed in string format specifier");
        if (spec.Align == '=') throw PythonError.Value("'=' alignment not allowed in string format specifier");
        if (spec.Precision is int p && text.Length > p) text = text[..p];
        return Pad(text, "", spec.ZeroPad && spec.Align is null ? '0' : spec.Fill, spec.Align ?? '<', spec.Width);
    }

    private static string FormatInteger(ScheduleValue value, Spec spec)
    {
        PythonOps.TryGetInteger(value, out var n);
        switch (spec.Type)
        {
            case 'e' or 'E' or 'f' or 'F' or 'g' or 'G' or '%':
                return FormatFloat(PythonOps.ToDouble(n), spec);
            case null or 'd' or 'n' or 'b' or 'o' or 'x' or 'X' or 'c':
                break;
            default:
                throw PythonError.Value($"Unknown format code '{spec.Type}' for object of type '{value.TypeName}'");
        }
        if (spec.Precision is not null) throw PythonError.Value("Precision not allowed in integer format specifier");
        if (spec.Type == 'c')
        {
            if (n < 0 || n > 0x10FFFF) throw PythonError.Overflow("%c arg not in range(0x110000)");
            return Pad(char.ConvertFromUtf32((int)n), "", spec.Fill, spec.Align ?? '<', spec.Width);
        }
        var magnitude = BigInteger.Abs(n);
        string digits, prefix = "";
        int groupSize = 3;
        switch (spec.Type)
        {
            case 'b': digits = ToBase(magnitude, 2); prefix = "0b"; groupSize = 4; break;
            case 'o': digits = ToBase(magnitude, 8); prefix = "0o"; groupSize = 4; break;
            case 'x': digits = ToBase(magnitude, 16); prefix = "0x"; groupSize = 4; break;
            case 'X': digits = ToBase(magnitude, 16).ToUpperInvariant(); prefix = "0X"; groupSize = 4; break;
            default: digits = magnitude.ToString(CultureInfo.InvariantCulture); break;
        }
        if (spec.Grouping is char g) digits = Group(digits, g, groupSize);
        var signText = SignText(n.Sign < 0, spec.Sign) + (spec.Alternate ? prefix : "");
        return PadNumber(signText, digits, spec);
    }

    private static string ToBase(BigInteger value, int radix)
    {
        if (value.IsZero) return "0";
        var builder = new StringBuilder();
        while (!value.IsZero)
        {
            value = BigInteger.DivRem(value, radix, out var digit);
            builder.Insert(0, "0123456789abcdef"[(int)digit]);
        }
        return builder.ToString();
    }

    private static string FormatFloat(double value, Spec spec)
    {
        char? type = spec.Type;
        if (type is 'n') type = 'g';
        if (type is not (null or 'e' or 'E' or 'f' or 'F' or 'g' or 'G' or '%'))
            throw PythonError.Value($"Unknown format code '{type}' for object of type 'float'");
        bool negative = double.IsNegative(value) && !double.IsNaN(value);
        double magnitude = Math.Abs(value);
        string body;
        if (!double.IsFinite(value))
        {
            body = double.IsNaN(value) ? "nan" : "inf";
            if (type is 'E' or 'F' or 'G') body = body.ToUpperInvariant();
            if (type == '%') body += "%";
        }
        else
        {
            switch (type)
            {
                case null when spec.Precision is null:
                    body = PythonFloat.Repr(magnitude);
                    break;
                case null:
                    body = General(magnitude, spec.Precision.Value, spec.Alternate, addDotZero: true, 'e');
                    break;
                case 'f' or 'F':
                    body = FixedDigits(magnitude, spec.Precision ?? 6);
                    if (spec.Alternate && !body.Contains('.')) body += ".";
                    break;
                case '%':
                    body = FixedDigits(magnitude * 100, spec.Precision ?? 6);
                    if (spec.Alternate && !body.Contains('.')) body += ".";
                    body += "%";
                    break;
                case 'e' or 'E':
                    body = Scientific(magnitude, spec.Precision ?? 6, spec.Alternate, type.Value);
                    break;
                default:
                    body = General(magnitude, spec.Precision ?? 6, spec.Alternate, addDotZero: false, type == 'G' ? 'E' : 'e');
                    break;
            }
            if (spec.Grouping is char g)
            {
                int end = body.IndexOfAny(['.', 'e', 'E', '%']);
                if (end < 0) end = body.Length;
                body = Group(body[..end], g, 3) + body[end..];
            }
        }
        return PadNumber(SignText(negative, spec.Sign), body, spec);
    }

    private static string Scientific(double magnitude, int precision, bool alternate, char letter)
    {
        var (digits, exponent) = ScientificDigits(magnitude, precision);
        var mantissa = digits.Length > 1 ? digits[..1] + "." + digits[1..] : digits + (alternate ? "." : "");
        return mantissa + PythonFloat.ExponentSuffix(letter, exponent);
    }

    /// <summary>'g' (and the empty type with a precision, which adds ".0" to integral fixed results).</summary>
    private static string General(double magnitude, int precision, bool alternate, bool addDotZero, char letter)
    {
        if (precision == 0) precision = 1;
        var (digits, exponent) = ScientificDigits(magnitude, precision - 1);
        if (magnitude == 0) exponent = 0;
        int limit = addDotZero ? precision - 1 : precision;
        string body;
        bool scientific = exponent < -4 || exponent >= limit;
        if (scientific)
        {
            var mantissaDigits = alternate ? digits : digits.TrimEnd('0');
            if (mantissaDigits.Length == 0) mantissaDigits = "0";
            body = mantissaDigits.Length > 1 ? mantissaDigits[..1] + "." + mantissaDigits[1..] : mantissaDigits + (alternate ? "." : "");
            body += PythonFloat.ExponentSuffix(letter, exponent);
        }
        else
        {
            body = FixedDigits(magnitude, Math.Max(precision - 1 - exponent, 0));
            if (!alternate && body.Contains('.')) body = body.TrimEnd('0').TrimEnd('.');
            if (addDotZero && !body.Contains('.')) body += ".0";
        }
        return body;
    }

    private static string SignText(bool negative, char sign) => negative ? "-" : sign switch { '+' => "+", ' ' => " ", _ => "" };

    private static string Group(string digits, char separator, int size)
    {
        var builder = new StringBuilder();
        for (int i = 0; i < digits.Length; i++)
        {
            if (i > 0 && (digits.Length - i) % size == 0) builder.Append(separator);
            builder.Append(digits[i]);
        }
        return builder.ToString();
    }

    private static string PadNumber(string sign, string body, Spec spec)
    {
        char fill = spec.Fill, align = spec.Align ?? '>';
        if (spec.ZeroPad && spec.Align is null) { fill = '0'; align = '='; }
        return Pad(body, sign, fill, align, spec.Width);
    }

    private static string Pad(string body, string sign, char fill, char align, int? width)
    {
        int padding = Math.Max((width ?? 0) - body.Length - sign.Length, 0);
        if (padding == 0) return sign + body;
        var pad = new string(fill, padding);
        return align switch
        {
            '<' => sign + body + pad,
            '=' => sign + pad + body,
            '^' => new string(fill, padding / 2) + sign + body + new string(fill, padding - padding / 2),
            _ => pad + sign + body,
        };
    }
}
