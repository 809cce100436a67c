using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// The PIL operations the loopback itself is made of (Image.blend, Image.composite, ImageChops.difference,
/// convert, point), on uint8 <c>[C,H,W]</c> frames, with PIL's integer and float32 rounding.
/// </summary>
public static class FrameOps
{
    /// <summary>PIL <c>Image.blend(a, b, alpha)</c>: <c>trunc(a + (float)alpha * (b - a))</c> in float32, clamped.</summary>
    public static Tensor Blend(Tensor a, Tensor b, double alpha)
    {
        using var scope = NewDisposeScope();
        float alpha32 = (float)alpha;
        var af = a.to(ScalarType.Float32);
        // Multiply and add as two separate kernels: a fused multiply-add would round differently from PIL.
        var scaled = (b.to(ScalarType.Float32) - af).mul(alpha32);
        var sum = af.add(scaled);
        return sum.clamp(0, 255).trunc().to(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    /// <summary>PIL <c>Image.composite(a, b, mask)</c>: a where the L mask <c>[1,H,W]</c> is 255, b where 0, PIL's rounding between.</summary>
    public static Tensor Composite(Tensor a, Tensor b, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var m = mask.to(ScalarType.Int32);
        var tmp = b.to(ScalarType.Int32) * (255 - m) + a.to(ScalarType.Int32) * m + 128;
        var result = (tmp.floor_divide(256) + tmp).floor_divide(256);
        return result.to(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    /// <summary>ImageChops.difference: <c>|a - b|</c> per channel.</summary>
    public static Tensor Difference(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a.to(ScalarType.Int16) - b.to(ScalarType.Int16)).abs().to(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    /// <summary>PIL convert to <paramref name="channels"/> (1 = L, 3 = RGB, 4 = RGBA) from L, RGB or RGBA.</summary>
    public static Tensor Convert(Tensor image, int channels)
    {
        long c = image.shape[0];
        if (c == channels) return image.alias();
        using var scope = NewDisposeScope();
        Tensor result = (c, channels) switch
        {
            (1, 3) => image.expand(3, -1, -1).contiguous(),
            (1, 4) => cat([image.expand(3, -1, -1), full_like(image, 255)]),
            (3, 4) => cat([image, full_like(image.narrow(0, 0, 1), 255)]),
            (4, 3) => image.narrow(0, 0, 3).contiguous(),
            (3, 1) or (4, 1) => ToLuma(image),
            _ => throw new ArgumentException($"cannot convert a {c}-channel image to {channels} channels"),
        };
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>PIL convert('L'): <c>(R*19595 + G*38470 + B*7471 + 0x8000) >> 16</c>, alpha ignored.</summary>
    private static Tensor ToLuma(Tensor rgb)
    {
        var c = rgb.to(ScalarType.Int32);
        var l = (c[0] * 19595 + c[1] * 38470 + c[2] * 7471 + 0x8000).floor_divide(65536);
        return l.unsqueeze(0).to(ScalarType.Byte);
    }

    /// <summary>PIL <c>point</c> on an L image with a 256-entry lookup table.</summary>
    public static Tensor Point(Tensor l, byte[] lut)
    {
        using var scope = NewDisposeScope();
        var table = tensor(lut, dtype: ScalarType.Byte, device: l.device);
        return table.index_select(0, l.flatten().to(ScalarType.Int64)).view(l.shape).MoveToOuterDisposeScope();
    }

    /// <summary>A point table of <c>f(x)</c> for x in 0..255, rounded the way Python's round does (half to even).</summary>
    public static byte[] Lut(Func<int, double> f)
    {
        var lut = new byte[256];
        for (int x = 0; x < 256; x++)
            lut[x] = (byte)Math.Clamp(Math.Round(f(x), MidpointRounding.ToEven), 0, 255);
        return lut;
    }

    /// <summary>PIL putalpha: RGB(A) frame with its alpha replaced by the L mask <c>[1,H,W]</c>.</summary>
    public static Tensor PutAlpha(Tensor image, Tensor alpha)
    {
        using var scope = NewDisposeScope();
        var rgb = image.shape[0] == 1 ? image.expand(3, -1, -1) : image.narrow(0, 0, 3);
        return cat([rgb, alpha]).MoveToOuterDisposeScope();
    }
}
