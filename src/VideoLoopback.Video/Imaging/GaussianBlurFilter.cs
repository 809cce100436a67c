using static TorchSharp.torch;

namespace VideoLoopback.Video.Imaging;

/// <summary>
/// <c>ImageFilter.GaussianBlur(radius)</c>: Pillow approximates the Gaussian by three box passes per axis
/// with a fractional box radius derived from the variance (computed in float32 as Pillow does).
/// </summary>
public sealed class GaussianBlurFilter : IImageFilter
{
    internal const int Passes = 3;
    private readonly float _radius;

    public GaussianBlurFilter(double radius)
    {
        if (!(radius >= 0)) throw new ArgumentException($"GaussianBlur: radius must be >= 0, got {radius}", nameof(radius));
        _radius = (float)radius;
    }

    public string Name => $"GaussianBlur({_radius})";

    public Tensor Apply(Tensor frames) => BoxBlurFilter.Blur(frames, BoxRadius(_radius), Passes, Name);

    /// <summary>The box radius giving <paramref name="passes"/> passes the variance of a Gaussian of <paramref name="radius"/>.</summary>
    internal static float BoxRadius(float radius, int passes = Passes)
    {
        var sigma2 = radius * radius / passes;
        var boxLength = (float)Math.Sqrt(12.0 * sigma2 + 1.0);
        var whole = (float)Math.Floor((boxLength - 1.0) / 2.0);
        var fraction = (2 * whole + 1) * (whole * (whole + 1) - 3 * sigma2);
        fraction /= 6 * (sigma2 - (whole + 1) * (whole + 1));
        return whole + fraction;
    }
}
