namespace VideoLoopback.Video.Schedules;

/// <summary>
/// The PIL ImageFilter filters a post-processing schedule may use, with their constructor parameters and
/// PIL's defaults (Pillow 9.4). Anything else in ImageFilter is refused with a message naming it.
/// </summary>
internal static class ImageFilterCatalog
{
    private sealed record Parameter(string Name, double? Default, bool MustBeOddInteger = false);

    private static readonly Dictionary<string, Parameter[]> Filters = new()
    {
        ["BLUR"] = [], ["CONTOUR"] = [], ["DETAIL"] = [], ["EDGE_ENHANCE"] = [], ["EDGE_ENHANCE_MORE"] = [],
        ["EMBOSS"] = [], ["FIND_EDGES"] = [], ["SHARPEN"] = [], ["SMOOTH"] = [], ["SMOOTH_MORE"] = [],
        ["GaussianBlur"] = [new("radius", 2)],
        ["BoxBlur"] = [new("radius", null)],
        ["UnsharpMask"] = [new("radius", 2), new("percent", 150), new("threshold", 3)],
        ["MedianFilter"] = [new("size", 3, MustBeOddInteger: true)],
        ["MinFilter"] = [new("size", 3, MustBeOddInteger: true)],
        ["MaxFilter"] = [new("size", 3, MustBeOddInteger: true)],
    };

    public static IEnumerable<string> Names => Filters.Keys;

    public static bool Exists(string name) => Filters.ContainsKey(name);

    public static ScheduleValue Lookup(string name) =>
        Filters.ContainsKey(name)
            ? new FilterValue(name, null)
            : throw PythonError.Attribute($"ImageFilter.{name} is not available in schedules (available: {string.Join(", ", Filters.Keys)})");

    /// <summary>Binds constructor arguments like Python would and returns them with defaults filled in.</summary>
    public static double[] Construct(string name, ScheduleValue[] args, IReadOnlyList<KeyValuePair<string, ScheduleValue>> kwargs)
    {
        var parameters = Filters[name];
        if (args.Length > parameters.Length)
            throw PythonError.Type($"{name}() takes {parameters.Length} argument{(parameters.Length == 1 ? "" : "s")} but {args.Length} were given");
        var bound = new ScheduleValue?[parameters.Length];
        for (int i = 0; i < args.Length; i++) bound[i] = args[i];
        foreach (var (key, value) in kwargs)
        {
            int index = Array.FindIndex(parameters, p => p.Name == key);
            if (index < 0) throw PythonError.Type($"{name}() got an unexpected keyword argument '{key}'");
            if (bound[index] is not null) throw PythonError.Type($"{name}() got multiple values for argument '{key}'");
            bound[index] = value;
        }

        var result = new double[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            var parameter = parameters[i];
            if (bound[i] is null)
            {
                result[i] = parameter.Default ?? throw PythonError.Type($"{name}() missing required argument: '{parameter.Name}'");
                continue;
            }
            var value = bound[i]!;
            if (!PythonOps.TryGetDouble(value, out var number))
                throw PythonError.Type($"{name}() argument '{parameter.Name}' must be a number, not {value.TypeName}");
            if (parameter.MustBeOddInteger && (value is FloatValue || number < 1 || number % 2 != 1))
                throw PythonError.Value($"{name}() size must be a positive odd integer, got {value.Repr()}");
            if (!double.IsFinite(number) || number < 0)
                throw PythonError.Value($"{name}() argument '{parameter.Name}' must be a finite number >= 0, got {value.Repr()}");
            result[i] = number;
        }
        return result;
    }
}
