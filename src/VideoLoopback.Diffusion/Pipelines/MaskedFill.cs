using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// WebUI's masking.fill, which "masked content: fill" (and, in WebUI, latent noise and latent nothing too) applies to
/// the init image before encoding: the image with alpha = 255 − mask, premultiplied, is Gaussian-blurred at falling
/// radii; each blur (un-premultiplied) is alpha-composited over the result so far, the wide ones first and the
/// sharp ones repeated, so the hole takes the colour around it while unmasked pixels end as they were.
/// <see cref="Approximate"/> is the float torch version used by default; a PIL-exact version (PIL's box-blur
/// Gaussian and integer alpha arithmetic) can be passed to the pipeline instead.
/// </summary>
public static class MaskedFill
{
    /// <summary>WebUI's (blur radius, composite repeats), in the order they are composited.</summary>
    public static IReadOnlyList<(int Radius, int Repeats)> Layers { get; } = [(256, 1), (64, 1), (16, 2), (4, 4), (2, 2), (0, 1)];

    /// <summary>The fill in float arithmetic: uint8 RGB [3,H,W] and mask [H,W] (255 = fill) → uint8 [3,H,W].</summary>
    public static Tensor Approximate(Tensor image, Tensor mask)
    {
        if (image.dim() != 3 || image.shape[0] != 3 || image.dtype != ScalarType.Byte)
            throw new ArgumentException($"masked fill: image must be uint8 RGB [3,H,W]; got {image.dtype} [{string.Join(",", image.shape)}]", nameof(image));
        if (mask.dim() != 2 || mask.shape[0] != image.shape[1] || mask.shape[1] != image.shape[2])
            throw new ArgumentException($"masked fill: mask must be [H,W] of the image size {image.shape[2]}x{image.shape[1]}; got [{string.Join(",", mask.shape)}]", nameof(mask));
        using var scope = NewDisposeScope();
        var alpha = (255 - mask.to(ScalarType.Float32)).unsqueeze(0) / 255;               // [1,H,W]
        var premultiplied = cat([image.to(ScalarType.Float32) * alpha, alpha]);          // [4,H,W], colour in 0..255
        var colour = zeros_like(premultiplied[..3]);
        var coverage = zeros_like(alpha);
        foreach (var (radius, repeats) in Layers)
        {
            var blurred = GaussianBlur(premultiplied, radius);
            var layerAlpha = blurred[3..];
            var layerColour = blurred[..3] / layerAlpha.clamp_min(1e-12);                // straight colour
            for (int i = 0; i < repeats; i++)
            {
                // Porter-Duff "over" on straight colour, as Image.alpha_composite.
                var outAlpha = layerAlpha + coverage * (1 - layerAlpha);
                colour = where(outAlpha > 0, (layerColour * layerAlpha + colour * coverage * (1 - layerAlpha)) / outAlpha.clamp_min(1e-12), colour);
                coverage = outAlpha;
            }
        }
        return colour.round().clamp(0, 255).to(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// PIL's GaussianBlur(radius) shape: three box passes per axis (edges replicated) whose fractional radius gives
    /// the Gaussian's variance; [C,H,W] float.
    /// </summary>
    private static Tensor GaussianBlur(Tensor x, int radius)
    {
        if (radius == 0) return x;
        double sigma2 = radius * (double)radius / 3;
        double length = Math.Sqrt(12 * sigma2 + 1);
        double whole = Math.Floor((length - 1) / 2);
        double boxRadius = whole + (2 * whole + 1) * (whole * (whole + 1) - 3 * sigma2) / (6 * (sigma2 - (whole + 1) * (whole + 1)));
        for (int i = 0; i < 3; i++) x = BoxPass(x, 2, boxRadius);
        for (int i = 0; i < 3; i++) x = BoxPass(x, 1, boxRadius);
        return x;
    }

    /// <summary>Mean over [i − R, i + R] along <paramref name="dim"/>, the two outermost taps weighted by R's fraction.</summary>
    private static Tensor BoxPass(Tensor x, int dim, double radius)
    {
        int r = (int)radius;
        long length = x.shape[dim];
        var index = arange(-r - 1, length + r + 1, ScalarType.Int64, x.device).clamp(0, length - 1);
        // float32 prefix sums: their rounding (≈ 1e-7 of the row sum) is far below the uint8 result's step
        var padded = x.index_select(dim, index);
        var shape = (long[])x.shape.Clone();
        shape[dim] = 1;
        var prefix = cat([zeros(shape, x.dtype, x.device), padded.cumsum(dim)], dim);
        var inner = prefix.narrow(dim, 2 * r + 2, length) - prefix.narrow(dim, 1, length);
        var outer = padded.narrow(dim, 0, length) + padded.narrow(dim, 2 * r + 2, length);
        return (inner + outer * (radius - r)) / (2 * radius + 1);
    }
}
