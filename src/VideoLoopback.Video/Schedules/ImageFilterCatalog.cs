using VideoLoopback.Video.Imaging;

namespace VideoLoopback.Video.Schedules;

/// <summary>
/// The PIL ImageFilter filters a post-processing schedule may use: those of <see cref="ImageFilters.Signatures"/>, with
/// their constructor arguments bound as Python binds them. Anything else in ImageFilter is refused with a message naming it.
/// </summary>
internal static class ImageFilterCatalog
{
    private static IReadOnlyDictionary<string, ImageFilterSignature> Filters => ImageFilters.Signatures;

    public static ScheduleValue Lookup(string name) =>
        Filters.ContainsKey(name)
            ? new FilterValue(name, null)
            : throw PythonError.Attribute($"ImageFilter.{name} is not available in schedules (available: {string.Join(", ", Filters.Keys)})");

    /// <summary>Binds constructor arguments like Python would and returns them with defaults filled in.</summary>
    public static double[] Construct(string name, ScheduleValue[] args, IReadOnlyList<KeyValuePair<string, ScheduleValue>> kwargs)
    {
        var parameters = Filters[name].Parameters;
        if (args.Length > parameters.Count)
            throw PythonError.Type($"{name}() takes {parameters.Count} argument{(parameters.Count == 1 ? "" : "s")} but {args.Length} were given");
        var bound = new ScheduleValue?[parameters.Count];
        for (int i = 0; i < args.Length; i++) bound[i] = args[i];
        foreach (var (key, value) in kwargs)
        {
            int index = parameters.Select(p => p.Name).ToList().IndexOf(key);
            if (index < 0) throw PythonError.Type($"{name}() got an unexpected keyword argument '{key}'");
            if (bound[index] is not null) throw PythonError.Type($"{name}() got multiple values for argument '{key}'");
            bound[index] = value;
        }

        var result = new double[parameters.Count];
        for (int i = 0; i < parameters.Count; i++)
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
            if (parameter.Kind == ImageFilterParameterKind.OddSize && (value is FloatValue || number < 1 || number % 2 != 1))
                throw PythonError.Value($"{name}() size must be a positive odd integer, got {value.Repr()}");
            if (!double.IsFinite(number) || number < 0)
                throw PythonError.Value($"{name}() argument '{parameter.Name}' must be a finite number >= 0, got {value.Repr()}");
            result[i] = number;
        }
        return result;
    }
}
