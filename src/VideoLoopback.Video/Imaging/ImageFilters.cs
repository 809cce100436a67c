using System.Globalization;

namespace VideoLoopback.Video.Imaging;

/// <summary>
/// Builds <see cref="IImageFilter"/>s by their PIL names, for <c>img.filter(ImageFilter.X)</c> and
/// <c>img.filter(ImageFilter.X(args))</c> in schedule expressions. Arguments follow PIL's signatures and defaults:
/// BLUR, CONTOUR, DETAIL, EDGE_ENHANCE, EDGE_ENHANCE_MORE, EMBOSS, FIND_EDGES, SHARPEN, SMOOTH, SMOOTH_MORE (none);
/// GaussianBlur(radius=2); BoxBlur(radius); UnsharpMask(radius=2, percent=150, threshold=3);
/// MedianFilter(size=3), MinFilter(size=3), MaxFilter(size=3); RankFilter(size, rank).
/// </summary>
public static class ImageFilters
{
    private static readonly ImageFilterParameter Radius = new("radius", 2);
    private static readonly ImageFilterParameter Size = new("size", 3, ImageFilterParameterKind.OddSize);

    /// <summary>Every filter <see cref="Create(string, double[])"/> builds, by PIL name, with its parameters and PIL's defaults.</summary>
    public static IReadOnlyDictionary<string, ImageFilterSignature> Signatures { get; } = SignatureTable().ToDictionary(s => s.Name, StringComparer.Ordinal);

    private static IEnumerable<ImageFilterSignature> SignatureTable() =>
    [
        .. KernelFilter.Builtin.Keys.Select(name => new ImageFilterSignature(name, [])),
        new("GaussianBlur", [Radius]),
        new("BoxBlur", [Radius with { Default = null }]),
        new("UnsharpMask", [Radius, new("percent", 150, ImageFilterParameterKind.Integer), new("threshold", 3, ImageFilterParameterKind.Integer)]),
        new("MedianFilter", [Size]),
        new("MinFilter", [Size]),
        new("MaxFilter", [Size]),
        new("RankFilter", [Size with { Default = null }, new("rank", null, ImageFilterParameterKind.Integer)]),
    ];

    /// <summary>Every name <see cref="Create(string, double[])"/> accepts, in the order of <see cref="Signatures"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Signatures.Keys];

    public static bool IsKnown(string name) => Signatures.ContainsKey(name);

    /// <summary>A filter from its PIL name and positional arguments.</summary>
    public static IImageFilter Create(string name, params double[] args) => Create(name, args, null);

    /// <summary>A filter from its PIL name, positional arguments and keyword arguments (PIL's parameter names).</summary>
    public static IImageFilter Create(string name, IReadOnlyList<double> positional, IReadOnlyDictionary<string, double>? keywords)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(positional);
        if (!Signatures.TryGetValue(name, out var signature))
            throw new ArgumentException($"unknown image filter 'ImageFilter.{name}'; expected one of {string.Join(", ", Names)}", nameof(name));
        var a = Bind(signature, positional, keywords);
        return name switch
        {
            "GaussianBlur" => new GaussianBlurFilter(a[0]),
            "BoxBlur" => new BoxBlurFilter(a[0]),
            "UnsharpMask" => new UnsharpMaskFilter(a[0], (int)a[1], (int)a[2]),
            "MedianFilter" => RankFilter.Median((int)a[0]),
            "MinFilter" => RankFilter.Min((int)a[0]),
            "MaxFilter" => RankFilter.Max((int)a[0]),
            "RankFilter" => new RankFilter(name, (int)a[0], (int)a[1]),
            _ => KernelFilter.FromBuiltin(name),
        };
    }

    /// <summary>
    /// <c>ImageFilter.Kernel((size, size), kernel, scale=None, offset=0)</c>; scale defaults to the kernel sum.
    /// A zero scale (e.g. an edge kernel summing to 0 without an explicit scale) is rejected: Pillow would divide by zero.
    /// </summary>
    public static IImageFilter Kernel(int size, IReadOnlyList<double> kernel, double? scale = null, double offset = 0)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        var s = scale ?? kernel.Aggregate(0.0, (a, b) => a + b);
        if (s == 0)
            throw new ArgumentException(scale is null
                ? "ImageFilter.Kernel: the kernel sums to 0, so the default scale divides by zero; pass scale"
                : "ImageFilter.Kernel: scale must not be 0");
        return new KernelFilter("Kernel", size, kernel, s, offset);
    }

    /// <summary>Filters applied in order, like <c>img.filter(a).filter(b)</c>.</summary>
    public static IImageFilter Chain(params IImageFilter[] filters) => new ChainedFilter(filters);

    /// <summary>The arguments in parameter order with PIL's defaults filled in; integer parameters must hold integers.</summary>
    private static double[] Bind(ImageFilterSignature signature, IReadOnlyList<double> positional, IReadOnlyDictionary<string, double>? keywords)
    {
        var (name, parameters) = (signature.Name, signature.Parameters);
        if (positional.Count > parameters.Count)
        {
            var allowed = parameters.Count == 0
                ? "no arguments"
                : $"at most {parameters.Count} argument(s) ({string.Join(", ", parameters.Select(p => p.Name))})";
            throw new ArgumentException($"ImageFilter.{name} takes {allowed}, got {positional.Count}");
        }
        var values = new double?[parameters.Count];
        for (var i = 0; i < positional.Count; i++) values[i] = positional[i];
        foreach (var (key, value) in keywords ?? new Dictionary<string, double>())
        {
            var at = parameters.Select(p => p.Name).ToList().IndexOf(key);
            if (at < 0) throw new ArgumentException($"ImageFilter.{name} has no parameter '{key}'");
            if (values[at] is not null) throw new ArgumentException($"ImageFilter.{name} got '{key}' twice");
            values[at] = value;
        }
        var result = new double[parameters.Count];
        for (var i = 0; i < parameters.Count; i++)
        {
            var parameter = parameters[i];
            var v = values[i] ?? parameter.Default ?? throw new ArgumentException($"ImageFilter.{name} needs '{parameter.Name}'");
            if (!double.IsFinite(v)) throw new ArgumentException($"ImageFilter.{name}: '{parameter.Name}' must be a finite number, got {v}");
            if (parameter.Kind != ImageFilterParameterKind.Number && (v != Math.Floor(v) || Math.Abs(v) > int.MaxValue))
                throw new ArgumentException(
                    $"ImageFilter.{name}: '{parameter.Name}' must be an integer, got {v.ToString(CultureInfo.InvariantCulture)}");
            result[i] = v;
        }
        return result;
    }
}
