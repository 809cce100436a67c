namespace VideoLoopback.Video.Imaging;

/// <summary>
/// One PIL ImageFilter by name: its constructor parameters in order, with Pillow 9.4's defaults (null: required).
/// The one table of them is <see cref="ImageFilters.Signatures"/>, read by the imaging factory and the schedule evaluator.
/// </summary>
public sealed record ImageFilterSignature(string Name, IReadOnlyList<ImageFilterParameter> Parameters);

/// <summary>A constructor parameter of a PIL ImageFilter: its name, PIL's default (null: required) and what values it takes.</summary>
public sealed record ImageFilterParameter(string Name, double? Default, ImageFilterParameterKind Kind = ImageFilterParameterKind.Number);

public enum ImageFilterParameterKind
{
    /// <summary>Any finite number (a radius).</summary>
    Number,

    /// <summary>An integer (UnsharpMask's percent and threshold, a rank).</summary>
    Integer,

    /// <summary>A window size: a positive odd integer.</summary>
    OddSize,
}
