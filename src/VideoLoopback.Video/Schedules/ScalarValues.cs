using System.Numerics;
using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Video.Schedules;

/// <summary>Python int: arbitrary precision, bounded by <see cref="ScheduleLimits.MaxIntegerBits"/>.</summary>
public sealed class IntValue : ScheduleValue
{
    private static readonly IntValue[] Small = Enumerable.Range(-16, 1041).Select(i => new IntValue(i)).ToArray();

    public BigInteger Value { get; }

    private IntValue(BigInteger value) => Value = value;

    public static IntValue From(BigInteger value)
    {
        if (value >= -16 && value <= 1024) return Small[(int)value + 16];
        long bits = value.GetBitLength();
        if (bits > ScheduleLimits.MaxIntegerBits)
            throw PythonError.Limit($"integer result larger than {ScheduleLimits.MaxIntegerBits} bits");
        ChargeArithmetic(bits);
        return new IntValue(value);
    }

    /// <summary>
    /// Multiplying, dividing or printing an int costs about the square of its 64-bit words: charged for every large
    /// result, so that a lambda repeating big-number arithmetic runs out of steps, not time (free below 512 bits).
    /// </summary>
    private static void ChargeArithmetic(long bits)
    {
        long words = bits / 64;
        EvaluationContext.Charge(words * words / 64);
    }

    public static IntValue From(long value) => value >= -16 && value <= 1024 ? Small[value + 16] : new IntValue(value);

    public override string TypeName => "int";
    public override bool IsTruthy => !Value.IsZero;
    public override string Repr()
    {
        ChargeArithmetic(Value.GetBitLength());
        return Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>Python bool (a subclass of int in Python: arithmetic treats it as 0/1).</summary>
public sealed class BoolValue : ScheduleValue
{
    public static readonly BoolValue True = new(true);
    public static readonly BoolValue False = new(false);

    public bool Value { get; }

    private BoolValue(bool value) => Value = value;

    public static BoolValue From(bool value) => value ? True : False;

    public override string TypeName => "bool";
    public override bool IsTruthy => Value;
    public override string Repr() => Value ? "True" : "False";
}

/// <summary>Python float (IEEE double).</summary>
public sealed class FloatValue(double value) : ScheduleValue
{
    public double Value { get; } = value;

    public override string TypeName => "float";
    public override bool IsTruthy => Value != 0.0;
    public override string Repr() => PythonFloat.Repr(Value);
}

/// <summary>Python str.</summary>
public sealed class StrValue : ScheduleValue
{
    public static readonly StrValue Empty = new("");

    public string Value { get; }

    public StrValue(string value)
    {
        if (value.Length > ScheduleLimits.MaxStringLength)
            throw PythonError.Limit($"string longer than {ScheduleLimits.MaxStringLength} characters");
        EvaluationContext.ChargeCharacters(value.Length);
        Value = value;
    }

    public override string TypeName => "str";
    public override bool IsTruthy => Value.Length > 0;
    public override string Repr() => PythonFormat.StrRepr(Value);
    public override string Str() => Value;
}
