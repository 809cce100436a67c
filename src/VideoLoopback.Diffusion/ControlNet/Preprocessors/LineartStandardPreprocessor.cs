namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>
/// lineart_standard (from white bg &amp; black line): how much darker each pixel is than its Gaussian surroundings (sigma 6, float32,
/// smallest over channels), divided by the median of the values above 8 over the padded image (at least 16), times 127.
/// </summary>
public sealed class LineartStandardPreprocessor : ControlNetPreprocessor
{
    public override string Name => "lineart_standard";

    public override RgbImage Apply(RgbImage image, PreprocessorSettings settings)
    {
        var resized = PaddedResize.Of(image, settings.Resolution);
        var padded = resized.Padded;
        var values = padded.Pixels.Select(v => (float)v).ToArray();
        var blurred = OpenCvGaussianBlur.Blur(values, padded.Height, padded.Width, 3, 6.0);
        var intensity = new float[padded.Height * padded.Width];
        for (int i = 0; i < intensity.Length; i++)
        {
            float min = MathF.Min(blurred[i * 3] - values[i * 3],
                MathF.Min(blurred[i * 3 + 1] - values[i * 3 + 1], blurred[i * 3 + 2] - values[i * 3 + 2]));
            intensity[i] = Math.Clamp(min, 0f, 255f);
        }
        // Python's max(16, median): a missing (NaN) median compares false and leaves 16.
        float median = MedianAbove(intensity, 8f);
        float divisor = median > 16f ? median : 16f;
        var map = new byte[intensity.Length];
        for (int i = 0; i < map.Length; i++) map[i] = (byte)Math.Clamp(intensity[i] / divisor * 127f, 0f, 255f);
        return resized.RemovePad(RgbImage.FromGrey(padded.Height, padded.Width, map));
    }

    /// <summary>numpy's float32 median of the values above <paramref name="floor"/>; NaN (then ignored) when there are none.</summary>
    private static float MedianAbove(float[] values, float floor)
    {
        var above = values.Where(v => v > floor).ToArray();
        if (above.Length == 0) return float.NaN;
        Array.Sort(above);
        int n = above.Length;
        return n % 2 == 1 ? above[n / 2] : (above[n / 2 - 1] + above[n / 2]) / 2f;
    }
}
