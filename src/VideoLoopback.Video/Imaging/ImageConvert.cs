using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Imaging;

/// <summary>PIL's mode conversions (<c>convert('L')</c>, <c>convert('RGB')</c>, ...) on uint8 frames [C,H,W] or [N,C,H,W].</summary>
public static class ImageConvert
{
    /// <summary>
    /// <c>convert('L')</c>: ITU-R 601-2 luma with Pillow's fixed point,
    /// <c>(R*19595 + G*38470 + B*7471 + 0x8000) &gt;&gt; 16</c>; alpha is ignored. L stays L, LA keeps its L.
    /// </summary>
    public static Tensor ToL(Tensor frames)
    {
        using var scope = torch.NewDisposeScope();
        var x = FrameTensor.AsBatch(frames, nameof(frames));
        Tensor result;
        switch (FrameTensor.Mode(x))
        {
            case ImageMode.L: result = x.clone(); break;
            case ImageMode.LA: result = x.narrow(1, 0, 1).clone(); break;
            default:
                var c = x.narrow(1, 0, 3).to(ScalarType.Int32);
                var luma = c.narrow(1, 0, 1) * 19595 + c.narrow(1, 1, 1) * 38470 + c.narrow(1, 2, 1) * 7471 + 0x8000;
                result = luma.floor_divide(65536).to(ScalarType.Byte);
                break;
        }
        return FrameTensor.Restore(result, frames).MoveToOuterDisposeScope();
    }

    /// <summary><c>convert('RGB')</c>: RGBA drops its alpha (no background, no premultiplication); L is replicated.</summary>
    public static Tensor ToRgb(Tensor frames)
    {
        using var scope = torch.NewDisposeScope();
        var x = FrameTensor.AsBatch(frames, nameof(frames));
        var result = FrameTensor.Mode(x) switch
        {
            ImageMode.RGB => x.clone(),
            ImageMode.RGBA => x.narrow(1, 0, 3).contiguous(),
            _ => x.narrow(1, 0, 1).expand(-1, 3, -1, -1).contiguous(),
        };
        return FrameTensor.Restore(result, frames).MoveToOuterDisposeScope();
    }

    /// <summary><c>convert('RGBA')</c>: RGB and L get alpha 255; LA keeps its alpha.</summary>
    public static Tensor ToRgba(Tensor frames)
    {
        using var scope = torch.NewDisposeScope();
        var x = FrameTensor.AsBatch(frames, nameof(frames));
        var mode = FrameTensor.Mode(x);
        Tensor result;
        if (mode == ImageMode.RGBA) result = x.clone();
        else
        {
            var rgb = mode == ImageMode.RGB ? x : x.narrow(1, 0, 1).expand(-1, 3, -1, -1);
            var alpha = mode == ImageMode.LA
                ? x.narrow(1, 1, 1)
                : torch.full([x.shape[0], 1, x.shape[2], x.shape[3]], 255, ScalarType.Byte, x.device);
            result = torch.cat([rgb, alpha], 1);
        }
        return FrameTensor.Restore(result, frames).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// WebUI's images.flatten with its default white img2img background: RGBA uint8 [4,H,W] → RGB [3,H,W], the colour
    /// blended over white through alpha with a rounded integer blend (within a level of Pillow's alpha_composite).
    /// </summary>
    public static Tensor FlattenOntoWhite(Tensor rgba)
    {
        if (rgba.dim() != 3 || rgba.shape[0] != 4) throw new ArgumentException($"flatten: expected RGBA [4,H,W], got [{string.Join(",", rgba.shape)}]", nameof(rgba));
        using var scope = torch.NewDisposeScope();
        var rgb = rgba.narrow(0, 0, 3).contiguous();
        return Diffusion.Pipelines.InpaintMasks.CompositeUnmasked(torch.full_like(rgb, 255), rgb, rgba[3]).MoveToOuterDisposeScope();
    }

    /// <summary><c>convert('RGBa')</c> of RGBA frames: colour premultiplied by alpha (<c>t = c*a + 128; ((t &gt;&gt; 8) + t) &gt;&gt; 8</c>).</summary>
    public static Tensor ToPremultiplied(Tensor frames) => WithRgba(frames, ImageResize.Premultiply, "convert('RGBa')");

    /// <summary><c>convert('RGBA')</c> of RGBa frames: where 0 &lt; a &lt; 255, <c>c = min(255*c / a, 255)</c> (truncating).</summary>
    public static Tensor FromPremultiplied(Tensor frames) => WithRgba(frames, ImageResize.Unpremultiply, "convert('RGBA')");

    private static Tensor WithRgba(Tensor frames, Func<Tensor, Tensor> convert, string what)
    {
        using var scope = torch.NewDisposeScope();
        var x = FrameTensor.AsBatch(frames, what);
        if (FrameTensor.Mode(x) != ImageMode.RGBA) throw new ArgumentException($"{what}: expected 4-channel frames, got {x.shape[1]} channels", nameof(frames));
        return FrameTensor.Restore(convert(x), frames).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <c>im.convert(mode)</c> for the modes a frame tensor can hold (LA from RGB/RGBA goes through L).
    /// </summary>
    public static Tensor To(Tensor frames, ImageMode mode)
    {
        switch (mode)
        {
            case ImageMode.L: return ToL(frames);
            case ImageMode.RGB: return ToRgb(frames);
            case ImageMode.RGBA: return ToRgba(frames);
            default:
                using (var scope = torch.NewDisposeScope())
                {
                    var x = FrameTensor.AsBatch(frames, nameof(frames));
                    var source = FrameTensor.Mode(x);
                    var l = FrameTensor.AsBatch(ToL(x), nameof(frames));
                    var alpha = source is ImageMode.RGBA ? x.narrow(1, 3, 1)
                        : source is ImageMode.LA ? x.narrow(1, 1, 1)
                        : torch.full_like(l, 255);
                    return FrameTensor.Restore(torch.cat([l, alpha], 1), frames).MoveToOuterDisposeScope();
                }
        }
    }

    /// <summary><c>im.putalpha(mask)</c>: RGB/RGBA (or L/LA) frames with their alpha replaced by the 'L' mask.</summary>
    public static Tensor PutAlpha(Tensor frames, Tensor mask)
    {
        using var scope = torch.NewDisposeScope();
        var x = FrameTensor.AsBatch(frames, nameof(frames));
        var m = FrameTensor.MaskAsBatch(mask, nameof(mask));
        if (m.shape[2] != x.shape[2] || m.shape[3] != x.shape[3])
            throw new ArgumentException($"putalpha: mask is {m.shape[3]}x{m.shape[2]} but the image is {x.shape[3]}x{x.shape[2]}", nameof(mask));
        var mode = FrameTensor.Mode(x);
        var colour = mode is ImageMode.L or ImageMode.LA ? x.narrow(1, 0, 1) : x.narrow(1, 0, 3);
        var alpha = m.expand(x.shape[0], 1, -1, -1);
        return FrameTensor.Restore(torch.cat([colour, alpha], 1), frames).MoveToOuterDisposeScope();
    }
}
