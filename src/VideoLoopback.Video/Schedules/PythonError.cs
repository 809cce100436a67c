namespace VideoLoopback.Video.Schedules;

/// <summary>A Python-style runtime error raised while evaluating; <see cref="Schedule"/> wraps it with the schedule's name.</summary>
internal sealed class PythonError(string kind, string message) : Exception($"{kind}: {message}")
{
    public string Kind { get; } = kind;

    public static PythonError Type(string message) => new("TypeError", message);
    public static PythonError Value(string message) => new("ValueError", message);
    public static PythonError Name(string name) => new("NameError", $"name '{name}' is not defined");
    public static PythonError ZeroDivision(string message) => new("ZeroDivisionError", message);
    public static PythonError Index(string message) => new("IndexError", message);
    public static PythonError Key(string message) => new("KeyError", message);
    public static PythonError Overflow(string message) => new("OverflowError", message);
    public static PythonError Attribute(string message) => new("AttributeError", message);
    public static PythonError Limit(string message) => new("LimitExceeded", message);
    public static PythonError NotSupported(string message) => new("NotSupported", message);
}
