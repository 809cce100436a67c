using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Imaging;

/// <summary>
/// PIL's two-image operations on uint8 frames [C,H,W] or [N,C,H,W], with Pillow 9.4's integer and
/// float32 arithmetic so the results equal the original's PNG pipeline bit for bit.
/// </summary>
public static class ImageBlend
{
    /// <summary>
    /// <c>Image.blend(a, b, alpha)</c>: <c>a + alpha * (b - a)</c> in float32 (alpha is first rounded to float32),
    /// truncated toward zero and clamped to [0,255] (alpha may lie outside [0,1]). All channels, alpha included.
    /// </summary>
    public static Tensor Blend(Tensor a, Tensor b, double alpha)
    {
        FrameTensor.RequireSameShape(a, b, "Image.blend");
        using var scope = torch.NewDisposeScope();
        FrameTensor.AsBatch(a, nameof(a));
        FrameTensor.AsBatch(b, nameof(b));
        var af = a.to(ScalarType.Float32);
        var difference = b.to(ScalarType.Float32) - af;
        using var alpha32 = torch.tensor((float)alpha, ScalarType.Float32, a.device);
        // two separate float32 operations, as in C: the product is rounded before the sum.
        var t = af + difference * alpha32;
        return t.clamp(0, 255).to(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <c>Image.composite(a, b, mask)</c> (mask 255 takes <paramref name="a"/>):
    /// <c>tmp = b*(255-m) + a*m + 128; out = ((tmp &gt;&gt; 8) + tmp) &gt;&gt; 8</c>, every channel.
    /// The mask is 'L': [H,W], [1,H,W] or [N,1,H,W].
    /// </summary>
    public static Tensor Composite(Tensor a, Tensor b, Tensor mask)
    {
        FrameTensor.RequireSameShape(a, b, "Image.composite");
        using var scope = torch.NewDisposeScope();
        var ab = FrameTensor.AsBatch(a, nameof(a));
        FrameTensor.AsBatch(b, nameof(b));
        var m = FrameTensor.MaskAsBatch(mask, nameof(mask));
        if (m.shape[2] != ab.shape[2] || m.shape[3] != ab.shape[3])
            throw new ArgumentException(
                $"Image.composite: mask is {m.shape[3]}x{m.shape[2]} but the images are {ab.shape[3]}x{ab.shape[2]}", nameof(mask));
        if (a.dim() == 3) m = m.squeeze(0);
        var mi = m.to(ScalarType.Int32);
        var tmp = b.to(ScalarType.Int32) * (255 - mi) + a.to(ScalarType.Int32) * mi + 128;
        var result = (tmp.floor_divide(256) + tmp).floor_divide(256);
        return result.to(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <c>Image.alpha_composite(dst, src)</c> on RGBA frames: <paramref name="source"/> over <paramref name="destination"/>
    /// with Pillow's integer arithmetic (7 extra bits of precision): where the source alpha is 0 the destination pixel
    /// is kept; else with <c>outa255 = sa*255 + da*(255-sa)</c>, <c>c1 = sa*255*255*128 / outa255</c>, <c>c2 = 255*128 - c1</c>,
    /// colour <c>= div255(s*c1 + d*c2 + 128*128) &gt;&gt; 7</c> and alpha <c>= div255(outa255 + 128)</c>, with
    /// <c>div255(t) = ((t &gt;&gt; 8) + t) &gt;&gt; 8</c>.
    /// </summary>
    public static Tensor AlphaComposite(Tensor destination, Tensor source)
    {
        FrameTensor.RequireSameShape(destination, source, "Image.alpha_composite");
        using var scope = torch.NewDisposeScope();
        var dst = FrameTensor.AsBatch(destination, nameof(destination));
        FrameTensor.AsBatch(source, nameof(source));
        if (FrameTensor.Mode(dst) != ImageMode.RGBA)
            throw new ArgumentException($"Image.alpha_composite: both images must be RGBA, got {dst.shape[1]} channels", nameof(destination));
        var d = destination.to(ScalarType.Int32); // every intermediate stays below 2^31 (sa*255*255*128 < 2.13e9)
        var s = source.to(ScalarType.Int32);
        int channel = (int)destination.dim() - 3;
        var sa = s.narrow(channel, 3, 1);
        var da = d.narrow(channel, 3, 1);
        var outA255 = sa * 255 + da * (255 - sa);
        var coef1 = (sa * (255 * 255 * 128)).floor_divide(outA255.clamp_min(1));
        var coef2 = 255 * 128 - coef1;
        var colour = Div255(s.narrow(channel, 0, 3) * coef1 + d.narrow(channel, 0, 3) * coef2 + (0x80 << 7)).floor_divide(128);
        var alpha = Div255(outA255 + 0x80);
        var blended = torch.cat([colour, alpha], channel);
        var result = torch.where(sa.eq(0), d, blended);
        return result.to(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    private static Tensor Div255(Tensor t) => (t.floor_divide(256) + t).floor_divide(256); // non-negative: shifts

    /// <summary><c>ImageChops.difference(a, b)</c>: |a - b| per channel, alpha included.</summary>
    public static Tensor Difference(Tensor a, Tensor b)
    {
        FrameTensor.RequireSameShape(a, b, "ImageChops.difference");
        using var scope = torch.NewDisposeScope();
        FrameTensor.AsBatch(a, nameof(a));
        FrameTensor.AsBatch(b, nameof(b));
        var d = (a.to(ScalarType.Int16) - b.to(ScalarType.Int16)).abs();
        return d.to(ScalarType.Byte).MoveToOuterDisposeScope();
    }
}
