using System.Globalization;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// The smallest schedule language: a number or a quoted string, whatever image_i and loop_i are.
/// Anything else is reported as unsupported.
/// </summary>
public sealed class LiteralScheduleCompiler : IScheduleCompiler
{
    public ICompiledSchedule Compile(string name, string expression)
    {
        var e = expression.Trim();
        object? value;
        if (long.TryParse(e, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) value = l;
        else if (double.TryParse(e, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) value = d;
        else if (e.Length >= 2 && (e[0] == '\'' || e[0] == '"') && e[^1] == e[0]) value = e[1..^1];
        else throw new JobException($"{name}: '{expression}' is not supported (column 1): only number and string literals are");
        return new Constant(value);
    }

    private sealed record Constant(object? Value) : ICompiledSchedule
    {
        public object? Evaluate(int imageI, int loopI) => Value;
    }
}
