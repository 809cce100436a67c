using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Imaging;

/// <summary>
/// <c>ImageFilter.BoxBlur(radius)</c> and the box passes behind GaussianBlur and UnsharpMask.
/// Pillow's box blur is 24-bit fixed point with a fractional radius R: the 2*floor(R)+1 inner taps weigh
/// <c>ww = (uint)(2^24 / (2R+1))</c> (a float32 division) and the two outer taps <c>fw = (2^24 - (2r+1)ww) / 2</c>;
/// edges are replicated; each pass rounds to uint8. All horizontal passes run before the vertical ones.
/// </summary>
public sealed class BoxBlurFilter : IImageFilter
{
    private readonly float _radius;

    public BoxBlurFilter(double radius)
    {
        if (!(radius >= 0)) throw new ArgumentException($"BoxBlur: radius must be >= 0, got {radius}", nameof(radius));
        _radius = (float)radius;
    }

    public string Name => $"BoxBlur({_radius})";

    public Tensor Apply(Tensor frames) => Blur(frames, _radius, 1, Name);

    /// <summary><paramref name="passes"/> horizontal then <paramref name="passes"/> vertical box passes of radius <paramref name="radius"/>.</summary>
    internal static Tensor Blur(Tensor frames, float radius, int passes, string what)
    {
        using var scope = torch.NewDisposeScope();
        var x = FrameTensor.AsBatch(frames, what);
        if (radius == 0) return frames.clone().MoveToOuterDisposeScope();
        var values = x.to(ScalarType.Int64);
        for (var i = 0; i < passes; i++) values = Pass(values, 3, radius);
        for (var i = 0; i < passes; i++) values = Pass(values, 2, radius);
        return FrameTensor.Restore(values.to(ScalarType.Byte), frames).MoveToOuterDisposeScope();
    }

    /// <summary>One box pass along <paramref name="dim"/> of int64 values 0..255; the result stays within 0..255.</summary>
    private static Tensor Pass(Tensor values, int dim, float radius)
    {
        var r = (int)radius;
        var ww = (uint)(16777216f / (radius * 2 + 1));
        var fw = (16777216u - (uint)(r * 2 + 1) * ww) / 2;
        var length = values.shape[dim];
        // padded[j] = value at clamp(j - r - 1): r + 1 replicated samples on each side.
        var index = torch.arange(-r - 1, length + r + 1, ScalarType.Int64, values.device).clamp(0, length - 1);
        var padded = values.index_select(dim, index);
        var zeroShape = (long[])values.shape.Clone();
        zeroShape[dim] = 1;
        var prefix = torch.cat([torch.zeros(zeroShape, ScalarType.Int64, values.device), padded.cumsum(dim)], dim);
        // output x: inner taps are padded[x+1 .. x+2r+1], outer taps padded[x] and padded[x+2r+2].
        var inner = prefix.narrow(dim, 2 * r + 2, length) - prefix.narrow(dim, 1, length);
        var outer = padded.narrow(dim, 0, length) + padded.narrow(dim, 2 * r + 2, length);
        var bulk = inner * (long)ww + outer * (long)fw + (1L << 23);
        return bulk.floor_divide(1L << 24);
    }
}
