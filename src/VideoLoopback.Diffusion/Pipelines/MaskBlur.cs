using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// WebUI's inpainting mask blur: OpenCV GaussianBlur on the 8-bit mask, horizontally with
/// k = 2·int(2.5·blur_x + 0.5) + 1 taps and sigma blur_x, then vertically likewise (each pass rounds
/// to uint8), border reflect-101. OpenCV's 8-bit path is bit-exact fixed point: the kernel is
/// quantised to 8 fractional bits with error diffusion (the centre tap takes the remainder so the
/// taps sum to 256) and each pass yields (Σ tap·pixel + 128) >> 8. Every Σ is an integer below
/// 2^16, so evaluating it as a float32 convolution on the device is exact.
/// </summary>
public static class MaskBlur
{
    /// <summary>Blurs <paramref name="mask"/> (uint8 [H,W], any device); a blur of 0 skips that direction.</summary>
    public static Tensor Apply(Tensor mask, int blurX, int blurY)
    {
        if (mask.dim() != 2 || mask.dtype != ScalarType.Byte)
            throw new ArgumentException($"mask must be uint8 [H,W]; got {mask.dtype} [{string.Join(",", mask.shape)}]", nameof(mask));
        if (blurX < 0 || blurY < 0) throw new ArgumentOutOfRangeException(nameof(blurX), $"mask blur must be ≥ 0 (got x={blurX}, y={blurY})");
        using var scope = NewDisposeScope();
        var result = mask;
        if (blurX > 0) result = BlurRows(result, blurX, alongWidth: true);
        if (blurY > 0) result = BlurRows(result, blurY, alongWidth: false);
        return (ReferenceEquals(result, mask) ? mask.clone() : result).MoveToOuterDisposeScope();
    }

    /// <summary>The tap count WebUI asks for: 2·int(2.5·sigma + 0.5) + 1.</summary>
    public static int KernelSize(int blur) => 2 * (int)(2.5 * blur + 0.5) + 1;

    /// <summary>OpenCV's bit-exact 8-bit Gaussian kernel: integer taps summing to 256.</summary>
    public static int[] FixedPointKernel(int size, double sigma)
    {
        if (size < 1 || size % 2 == 0) throw new ArgumentOutOfRangeException(nameof(size), size, "kernel size must be odd and positive");
        int half = (size - 1) / 2;
        // Unnormalised taps exp(-x²/(2σ²)) with x = i − half, computed as OpenCV does (x doubled, scale −1/8σ²).
        double scale = -0.125 / (sigma * sigma);
        var values = new double[half];
        double sum = 0;
        for (int i = 0, x = 1 - size; i < half; i++, x += 2)
        {
            values[i] = Math.Exp(x * (double)x * scale);
            sum += values[i];
        }
        sum = sum * 2 + 1;
        double normaliser = 1 / sum;
        var taps = new int[size];
        double error = 0;
        int total = 0;
        for (int i = 0; i < half; i++)
        {
            double adjusted = values[i] * normaliser * 256 + error;
            int rounded = (int)Math.Round(adjusted, MidpointRounding.ToEven);
            error = adjusted - rounded;
            taps[i] = taps[size - 1 - i] = rounded;
            total += rounded;
        }
        taps[half] = 256 - 2 * total;
        return taps;
    }

    private static Tensor BlurRows(Tensor image, int sigma, bool alongWidth)
    {
        int size = KernelSize(sigma);
        long length = image.shape[alongWidth ? 1 : 0];
        if (length == 1) return image; // OpenCV drops the kernel along a dimension of size 1
        var taps = FixedPointKernel(size, sigma);
        int half = size / 2;
        var indices = new long[length + 2 * half];
        for (long i = 0; i < indices.Length; i++) indices[i] = Reflect101(i - half, length);
        var values = image.to_type(ScalarType.Float32);
        if (!alongWidth) values = values.t();
        var padded = values.index_select(1, tensor(indices, device: image.device));       // [rows, L + 2·half]
        var kernel = tensor(taps.Select(t => (float)t).ToArray(), device: image.device).reshape(1, 1, size);
        var sums = nn.functional.conv1d(padded.unsqueeze(1), kernel).squeeze(1);           // [rows, L], exact integers
        var rounded = ((sums + 128) / 256).floor().clamp(0, 255);
        if (!alongWidth) rounded = rounded.t();
        return rounded.contiguous().to_type(ScalarType.Byte);
    }

    /// <summary>OpenCV BORDER_REFLECT_101 (gfedcb|abcdefgh|gfedcba), repeated for indices far outside.</summary>
    private static long Reflect101(long index, long length)
    {
        if (length == 1) return 0;
        long period = 2 * (length - 1);
        index %= period;
        if (index < 0) index += period;
        return index < length ? index : period - index;
    }
}
