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
    /// <summary>Every name <see cref="Create(string, double[])"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [.. KernelFilter.Builtin.Keys, "GaussianBlur", "BoxBlur", "UnsharpMask", "MedianFilter", "MinFilter", "MaxFilter", "RankFilter"];

    public static bool IsKnown(string name) => Names.Contains(name, StringComparer.Ordinal);

    /// <summary>A filter from its PIL name and positional arguments.</summary>
    public static IImageFilter Create(string name, params double[] args) => Create(name, args, null);

    /// <summary>A filter from its PIL name, positional arguments and keyword arguments (PIL's parameter names).</summary>
    public static IImageFilter Create(string name, IReadOnlyList<double> positional, IReadOnlyDictionary<string, double>? keywords)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(positional);
        if (KernelFilter.Builtin.ContainsKey(name))
        {
            Bind(name, [], [], positional, keywords);
            return KernelFilter.FromBuiltin(name);
        }
        switch (name)
        {
            case "GaussianBlur":
            {
                var a = Bind(name, ["radius"], [2.0], positional, keywords);
                return new GaussianBlurFilter(a[0]);
            }
            case "BoxBlur":
            {
                var a = Bind(name, ["radius"], [null], positional, keywords);
                return new BoxBlurFilter(a[0]);
            }
            case "UnsharpMask":
            {
                var a = Bind(name, ["radius", "percent", "threshold"], [2.0, 150.0, 3.0], positional, keywords);
                return new UnsharpMaskFilter(a[0], Integer(name, "percent", a[1]), Integer(name, "threshold", a[2]));
            }
            case "MedianFilter":
                return RankFilter.Median(Integer(name, "size", Bind(name, ["size"], [3.0], positional, keywords)[0]));
            case "MinFilter":
                return RankFilter.Min(Integer(name, "size", Bind(name, ["size"], [3.0], positional, keywords)[0]));
            case "MaxFilter":
                return RankFilter.Max(Integer(name, "size", Bind(name, ["size"], [3.0], positional, keywords)[0]));
            case "RankFilter":
            {
                var a = Bind(name, ["size", "rank"], [null, null], positional, keywords);
                return new RankFilter(name, Integer(name, "size", a[0]), Integer(name, "rank", a[1]));
            }
            default:
                throw new ArgumentException(
                    $"unknown image filter 'ImageFilter.{name}'; expected one of {string.Join(", ", Names)}", nameof(name));
        }
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
    public static IImageFilter Chain(params IImageFilter[] filters) => new FilterChain(filters);

    private static double[] Bind(string name, string[] parameters, double?[] defaults,
        IReadOnlyList<double> positional, IReadOnlyDictionary<string, double>? keywords)
    {
        if (positional.Count > parameters.Length)
            throw new ArgumentException(
                $"ImageFilter.{name} takes {(parameters.Length == 0 ? "no arguments" : $"at most {parameters.Length} argument(s) ({string.Join(", ", parameters)})")}, got {positional.Count}");
        var values = new double?[parameters.Length];
        for (var i = 0; i < positional.Count; i++) values[i] = positional[i];
        foreach (var (key, value) in keywords ?? new Dictionary<string, double>())
        {
            var at = Array.IndexOf(parameters, key);
            if (at < 0) throw new ArgumentException($"ImageFilter.{name} has no parameter '{key}'");
            if (values[at] is not null) throw new ArgumentException($"ImageFilter.{name} got '{key}' twice");
            values[at] = value;
        }
        var result = new double[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            var v = values[i] ?? defaults[i] ?? throw new ArgumentException($"ImageFilter.{name} needs '{parameters[i]}'");
            if (!double.IsFinite(v)) throw new ArgumentException($"ImageFilter.{name}: '{parameters[i]}' must be a finite number, got {v}");
            result[i] = v;
        }
        return result;
    }

    private static int Integer(string name, string parameter, double value)
    {
        if (value != Math.Floor(value) || Math.Abs(value) > int.MaxValue)
            throw new ArgumentException(
                $"ImageFilter.{name}: '{parameter}' must be an integer, got {value.ToString(CultureInfo.InvariantCulture)}");
        return (int)value;
    }
}
