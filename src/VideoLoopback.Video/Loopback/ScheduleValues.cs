namespace VideoLoopback.Video.Loopback;

/// <summary>Reads schedule results as the numbers, strings and lists the parameters need, naming the schedule when the type is wrong.</summary>
public static class ScheduleValues
{
    public static double ToDouble(object? v, string name) => v switch
    {
        double d => d,
        long l => l,
        int i => i,
        bool b => b ? 1 : 0,
        _ => throw Wrong(name, v, "a number"),
    };

    public static long ToLong(object? v, string name) => v switch
    {
        long l => l,
        int i => i,
        bool b => b ? 1 : 0,
        double d when d == Math.Floor(d) && !double.IsInfinity(d) => (long)d,
        _ => throw Wrong(name, v, "an integer"),
    };

    public static string ToText(object? v, string name) =>
        v as string ?? throw Wrong(name, v, "a string");

    public static IReadOnlyList<double> ToDoubleList(object? v, string name)
    {
        IReadOnlyList<object?> items = v switch
        {
            ScheduleTuple t => t.Items,
            IReadOnlyList<object?> list => list,
            _ => throw Wrong(name, v, "a list of numbers"),
        };
        return items.Select(x => ToDouble(x, name)).ToList();
    }

    private static JobException Wrong(string name, object? v, string expected) =>
        new($"{name}: the expression gave {Describe(v)}, expected {expected}");

    private static string Describe(object? v) => v switch
    {
        null => "None",
        string s => $"the string '{s}'",
        _ => $"{v} ({v.GetType().Name})",
    };
}
