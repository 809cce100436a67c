namespace VideoLoopback.Video.Schedules;

/// <summary>The <c>ImageFilter</c> name: only its filters can be read from it.</summary>
public sealed class ImageFilterModuleValue : ScheduleValue
{
    public static readonly ImageFilterModuleValue Instance = new();

    private ImageFilterModuleValue() { }

    public override string TypeName => "module";
    public override string Repr() => "<module 'PIL.ImageFilter'>";
}

/// <summary>
/// An ImageFilter filter: the class itself (<c>ImageFilter.GaussianBlur</c>, callable, used with its defaults when
/// passed to img.filter) or a configured instance (<c>ImageFilter.GaussianBlur(3)</c>).
/// </summary>
public sealed class FilterValue : CallableValue
{
    public string Name { get; }

    /// <summary>Null for the class itself; the constructor arguments (PIL defaults filled in) for an instance.</summary>
    public double[]? Arguments { get; }

    internal FilterValue(string name, double[]? arguments)
    {
        Name = name;
        Arguments = arguments;
    }

    public bool IsClass => Arguments is null;

    public override string TypeName => IsClass ? "type" : Name;
    public override string Repr() => IsClass ? $"<class 'PIL.ImageFilter.{Name}'>" : $"<PIL.ImageFilter.{Name} object>";

    internal override ScheduleValue Call(EvaluationContext context, ScheduleValue[] args, IReadOnlyList<KeyValuePair<string, ScheduleValue>> kwargs)
    {
        if (!IsClass) throw PythonError.Type($"'{Name}' object is not callable");
        return new FilterValue(Name, ImageFilterCatalog.Construct(Name, args, kwargs));
    }

    /// <summary>The step img.filter(this) performs: PIL instantiates a class with its defaults.</summary>
    internal FilterStep ToStep() => new(Name, Arguments ?? ImageFilterCatalog.Construct(Name, [], []));
}

/// <summary>The image a post-processing lambda receives, standing for the filters applied to it so far.</summary>
public sealed class ImageValue(FilterChain chain) : ScheduleValue
{
    public FilterChain Chain { get; } = chain;

    public override string TypeName => "Image";
    public override string Repr() => $"<{Chain}>";
}

/// <summary><c>img.filter</c>, bound to its image.</summary>
public sealed class ImageFilterMethodValue(ImageValue image) : CallableValue
{
    public override string TypeName => "method";
    public override string Repr() => "<bound method Image.filter>";

    internal override ScheduleValue Call(EvaluationContext context, ScheduleValue[] args, IReadOnlyList<KeyValuePair<string, ScheduleValue>> kwargs)
    {
        if (kwargs.Count > 0) throw PythonError.NotSupported("keyword arguments to img.filter");
        if (args.Length != 1) throw PythonError.Type($"filter() takes 1 argument but {args.Length} were given");
        if (args[0] is not FilterValue filter)
            throw PythonError.Type($"img.filter() expects an ImageFilter filter (e.g. ImageFilter.SMOOTH), got {args[0].TypeName}");
        return new ImageValue(image.Chain.Then(filter.ToStep()));
    }
}
