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
        object value;
        if (long.TryParse(e, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) value = l;
        else if (double.TryParse(e, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) value = d;
        else if (e.Length >= 2 && (e[0] == '\'' || e[0] == '"') && e[^1] == e[0]) value = e[1..^1];
        else throw new JobException($"{name}: '{expression}' is not supported (column 1): only number and string literals are");
        return new Constant(name, value);
    }

    private sealed record Constant(string Name, object Value) : ICompiledSchedule
    {
        public double AsDouble(int imageI, int loopI) => Value switch
        {
            long l => l,
            double d => d,
            _ => throw Wrong("a number"),
        };

        public long AsInt(int imageI, int loopI) => Value is long l ? l : throw Wrong("an integer");

        public string AsString(int imageI, int loopI) => Value as string ?? throw Wrong("a string");

        public IReadOnlyList<double> AsDoubleList(int imageI, int loopI) => throw Wrong("a list of numbers");

        public (long Count, long? BatchSize) AsBatchCount(int imageI, int loopI) => (AsInt(imageI, loopI), null);

        public FramePostProcessor? AsPostProcessor(int imageI, int loopI) => throw Wrong("a lambda");

        private JobException Wrong(string expected) => new($"{Name}: the expression gave {Value}, expected {expected}");
    }
}
