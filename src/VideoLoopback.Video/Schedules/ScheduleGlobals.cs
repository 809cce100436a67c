namespace VideoLoopback.Video.Schedules;

/// <summary>
/// The names an expression can see, resolved as the original's <c>eval(expr, dict(ImageFilter=..., **math.__dict__, image_i=.., loop_i=..))</c>
/// resolves them: lambda parameters, then image_i / loop_i / ImageFilter / the math module's names, then Python builtins.
/// </summary>
internal static class ScheduleGlobals
{
    private static readonly IReadOnlyDictionary<string, ScheduleValue> Math = MathFunctions.Create();
    private static readonly IReadOnlyDictionary<string, ScheduleValue> Builtins = PythonBuiltins.Create();

    public const string ImageIndexName = "image_i";
    public const string LoopIndexName = "loop_i";

    /// <summary>A node reading a global name, or one that raises the right error if it is ever evaluated.</summary>
    public static Node Resolve(string name)
    {
        if (name == ImageIndexName) return new ImageIndexNode();
        if (name == LoopIndexName) return new LoopIndexNode();
        if (name == "ImageFilter") return new ConstantNode(ImageFilterModuleValue.Instance);
        if (Math.TryGetValue(name, out var value) || Builtins.TryGetValue(name, out value)) return new ConstantNode(value);
        if (MathFunctions.Unsupported.Contains(name)) return new UndefinedNameNode($"math function '{name}' is not supported in schedules");
        if (PythonBuiltins.Refused.Contains(name)) return new UndefinedNameNode($"'{name}' is not available in schedules");
        if (name == "math") return new UndefinedNameNode("name 'math' is not defined (the math functions and constants are available directly: sin(x), pi, floor(x))");
        if (name is "PIL" or "Image" or "ImageChops" or "os" or "sys") return new UndefinedNameNode($"name '{name}' is not defined (only ImageFilter is available)");
        return new UndefinedNameNode($"name '{name}' is not defined");
    }
}
