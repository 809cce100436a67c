using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Imaging;

/// <summary>
/// <c>im.resize((width, height), filter, box)</c> as Pillow 9.4 computes it (reducing_gap None): a horizontal
/// pass (only when needed) to a uint8 intermediate, then a vertical pass, each with 22-bit fixed-point weights;
/// RGBA/LA are premultiplied before and un-premultiplied after (except NEAREST). Frames [C,H,W] or [N,C,H,W].
/// </summary>
public static class ImageResize
{
    /// <param name="box">the source region (x0, y0, x1, y1) in input pixels, as PIL's <c>box</c>; the whole image when null.</param>
    public static Tensor Resize(Tensor frames, int width, int height, ResampleFilter filter = ResampleFilter.Lanczos,
        (float X0, float Y0, float X1, float Y1)? box = null)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"resize: target size {width}x{height} must be positive");
        using var scope = torch.NewDisposeScope();
        var x = FrameTensor.AsBatch(frames, nameof(frames));
        int inW = (int)x.shape[3], inH = (int)x.shape[2];
        var region = box ?? (0f, 0f, inW, inH);
        if (region.X0 < 0 || region.Y0 < 0 || region.X1 > inW || region.Y1 > inH || region.X1 < region.X0 || region.Y1 < region.Y0)
            throw new ArgumentException($"resize: box ({region.X0}, {region.Y0}, {region.X1}, {region.Y1}) is outside the {inW}x{inH} image");
        if (width == inW && height == inH && region == (0f, 0f, inW, inH))
            return frames.clone().MoveToOuterDisposeScope();

        Tensor result;
        if (filter == ResampleFilter.Nearest)
        {
            if (region != (0f, 0f, inW, inH)) throw new ArgumentException("resize: NEAREST with a box is not supported");
            result = x.index_select(2, NearestIndex(inH, height, x.device)).index_select(3, NearestIndex(inW, width, x.device));
        }
        else
        {
            var mode = FrameTensor.Mode(x);
            var hasAlpha = mode is ImageMode.RGBA or ImageMode.LA;
            var values = (hasAlpha ? Premultiply(x) : x).to(ScalarType.Float64);
            var needHorizontal = width != inW || region.X0 != 0 || region.X1 != width;
            var needVertical = height != inH || region.Y0 != 0 || region.Y1 != height;
            if (needHorizontal)
                values = Pass(values, ResampleCoefficients.Matrix(filter, inW, region.X0, region.X1, width), vertical: false);
            if (needVertical)
                values = Pass(values, ResampleCoefficients.Matrix(filter, inH, region.Y0, region.Y1, height), vertical: true);
            var bytes = values.to(ScalarType.Byte);
            result = hasAlpha ? Unpremultiply(bytes) : bytes;
        }
        return FrameTensor.Restore(result, frames).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One pass over values 0..255 (float64): the products and their sums are integers below 2^53, so the
    /// matrix product is exact in any summation order; then Pillow's rounding, arithmetic shift and clip.
    /// </summary>
    private static Tensor Pass(Tensor values, double[,] weights, bool vertical)
    {
        var w = torch.tensor(weights, ScalarType.Float64, values.device); // [in, out]
        var acc = vertical ? torch.matmul(w.t(), values) : torch.matmul(values, w);
        const double half = 1 << (ResampleCoefficients.PrecisionBits - 1);
        const double one = 1 << ResampleCoefficients.PrecisionBits;
        return ((acc + half) / one).floor_().clamp_(0, 255);
    }

    /// <summary>PIL's NEAREST source index: a running double sum from half a step, truncated.</summary>
    private static Tensor NearestIndex(int inSize, int outSize, Device device)
    {
        var step = (double)inSize / outSize;
        var position = 0.5 * step;
        var index = new long[outSize];
        for (var i = 0; i < outSize; i++)
        {
            index[i] = Math.Min((long)position, inSize - 1);
            position += step;
        }
        return torch.tensor(index, ScalarType.Int64, device);
    }

    /// <summary>RGBA -> RGBa: <c>t = c*a + 128; c' = ((t &gt;&gt; 8) + t) &gt;&gt; 8</c>; alpha unchanged.</summary>
    internal static Tensor Premultiply(Tensor x)
    {
        var channels = (int)x.shape[1];
        var alpha = x.narrow(1, channels - 1, 1).to(ScalarType.Int32);
        var t = x.narrow(1, 0, channels - 1).to(ScalarType.Int32) * alpha + 128;
        var colour = (t.floor_divide(256) + t).floor_divide(256);
        return torch.cat([colour.to(ScalarType.Byte), x.narrow(1, channels - 1, 1)], 1);
    }

    /// <summary>RGBa -> RGBA: where 0 &lt; a &lt; 255, <c>c = min(255*c' / a, 255)</c> (truncating); else unchanged.</summary>
    internal static Tensor Unpremultiply(Tensor x)
    {
        var channels = (int)x.shape[1];
        var alpha = x.narrow(1, channels - 1, 1).to(ScalarType.Int32);
        var colour = x.narrow(1, 0, channels - 1).to(ScalarType.Int32);
        var divided = (colour * 255).floor_divide(alpha.clamp_min(1)).clamp_max(255);
        var partial = alpha.gt(0).logical_and(alpha.lt(255));
        var restored = torch.where(partial, divided, colour);
        return torch.cat([restored.to(ScalarType.Byte), x.narrow(1, channels - 1, 1)], 1);
    }
}
