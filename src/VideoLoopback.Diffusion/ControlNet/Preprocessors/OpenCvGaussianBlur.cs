namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>
/// cv2.GaussianBlur(x, (0, 0), sigma) on float32 images with interleaved channels, as OpenCV's separable filter engine runs it
/// on x86-64 with AVX2: kernel size round(8 sigma + 1) | 1, the kernel computed in double and stored as float, reflect-101
/// borders, a row pass then a column pass, both accumulating with fused multiply-adds in the order OpenCV's vector code uses.
/// </summary>
public static class OpenCvGaussianBlur
{
    public static float[] Blur(float[] src, int height, int width, int channels, double sigma)
    {
        int size = (int)Math.Round(sigma * 4 * 2 + 1, MidpointRounding.ToEven) | 1;
        var kernel = Kernel(size, sigma);
        int radius = size / 2, rowLength = width * channels;
        var rows = new float[height * rowLength];
        var line = new float[(width + 2 * radius) * channels];
        for (int y = 0; y < height; y++)
        {
            for (int x = -radius; x < width + radius; x++)
                Array.Copy(src, (y * width + Reflect101(x, width)) * channels, line, (x + radius) * channels, channels);
            if (size <= 5) SymmetricSmallRow(line, rows.AsSpan(y * rowLength, rowLength), kernel, channels);
            else Row(line, rows.AsSpan(y * rowLength, rowLength), kernel, channels);
        }
        var dst = new float[height * rowLength];
        var sourceRows = new int[size];
        for (int y = 0; y < height; y++)
        {
            for (int k = 0; k < size; k++) sourceRows[k] = Reflect101(y + k - radius, height) * rowLength;
            for (int i = 0; i < rowLength; i++)
            {
                float sum = rows[sourceRows[radius] + i] * kernel[radius];
                for (int k = 1; k <= radius; k++)
                    sum = MathF.FusedMultiplyAdd(rows[sourceRows[radius + k] + i] + rows[sourceRows[radius - k] + i], kernel[radius + k], sum);
                dst[y * rowLength + i] = sum;
            }
        }
        return dst;
    }

    /// <summary>Kernels longer than 5 taps: a plain running sum over the taps in order.</summary>
    private static void Row(float[] line, Span<float> dst, float[] kernel, int channels)
    {
        for (int i = 0; i < dst.Length; i++)
        {
            float sum = line[i] * kernel[0];
            for (int k = 1; k < kernel.Length; k++) sum = MathF.FusedMultiplyAdd(line[i + k * channels], kernel[k], sum);
            dst[i] = sum;
        }
    }

    /// <summary>
    /// Symmetric kernels of 3 or 5 taps (OpenCV's small-kernel row filter): whole blocks of 8 values start from the pair nearest the
    /// centre, the leftover values of a row start from the centre tap.
    /// </summary>
    private static void SymmetricSmallRow(float[] line, Span<float> dst, float[] kernel, int channels)
    {
        int radius = kernel.Length / 2, vectorEnd = dst.Length / 8 * 8;
        for (int i = 0; i < dst.Length; i++)
        {
            int c = i + radius * channels;
            float centre = line[c], pair1 = line[c - channels] + line[c + channels];
            float sum = i < vectorEnd
                ? MathF.FusedMultiplyAdd(centre, kernel[radius], pair1 * kernel[radius + 1])
                : MathF.FusedMultiplyAdd(pair1, kernel[radius + 1], centre * kernel[radius]);
            if (radius == 2) sum = MathF.FusedMultiplyAdd(line[c - 2 * channels] + line[c + 2 * channels], kernel[radius + 2], sum);
            dst[i] = sum;
        }
    }

    /// <summary>OpenCV's Gaussian kernel for a positive sigma: exp(-x^2 / (2 sigma^2)) normalised in double, then rounded to float.</summary>
    internal static float[] Kernel(int size, double sigma)
    {
        double scale = -0.125 / (sigma * sigma);
        int half = (size - 1) / 2;
        var values = new double[half];
        double sum = 0;
        for (int i = 0, x = 1 - size; i < half; i++, x += 2)
        {
            values[i] = Math.Exp(x * x * scale);
            sum += values[i];
        }
        sum = sum * 2 + 1;
        double inverse = 1 / sum;
        var kernel = new float[size];
        for (int i = 0; i < half; i++) kernel[i] = kernel[size - 1 - i] = (float)(values[i] * inverse);
        kernel[half] = (float)inverse;
        return kernel;
    }

    /// <summary>OpenCV's BORDER_REFLECT_101 index (gfedcb|abcdefgh|gfedcba).</summary>
    internal static int Reflect101(int p, int length)
    {
        if (length == 1) return 0;
        while (p < 0 || p >= length) p = p < 0 ? -p : 2 * length - p - 2;
        return p;
    }
}
