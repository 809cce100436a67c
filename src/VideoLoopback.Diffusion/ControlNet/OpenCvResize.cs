namespace VideoLoopback.Diffusion.ControlNet;

/// <summary>
/// OpenCV's cv2.resize kernels for interleaved uint8 RGB, as sd-webui-controlnet calls them: nearest, area (when both axes shrink;
/// computed in double precision and rounded, which can differ from OpenCV by one level) and bicubic (a = -0.75, replicated
/// borders; OpenCV's uint8 arithmetic reproduced, so results are identical).
/// </summary>
internal static class OpenCvResize
{
    public static byte[] Nearest(byte[] src, int h, int w, int newH, int newW)
    {
        var dst = new byte[newH * newW * 3];
        double fy = (double)h / newH, fx = (double)w / newW;
        for (int y = 0; y < newH; y++)
        {
            int sy = Math.Min((int)Math.Floor(y * fy), h - 1);
            for (int x = 0; x < newW; x++)
            {
                int sx = Math.Min((int)Math.Floor(x * fx), w - 1);
                for (int c = 0; c < 3; c++) dst[(y * newW + x) * 3 + c] = src[(sy * w + sx) * 3 + c];
            }
        }
        return dst;
    }

    /// <summary>
    /// Area averaging. OpenCV uses it only when neither axis grows; the extension asks for area whenever the pixel count shrinks,
    /// so one growing axis would need OpenCV's linear-like fallback, which is not implemented and is refused.
    /// </summary>
    public static byte[] Area(byte[] src, int h, int w, int newH, int newW)
    {
        if (newH > h || newW > w)
            throw new NotSupportedException($"control image {w}x{h} -> {newW}x{newH}: area resize that enlarges one axis is not supported; resize the control image to the generation's aspect ratio");
        var xTab = AreaTable(w, newW);
        var yTab = AreaTable(h, newH);
        var dst = new byte[newH * newW * 3];
        for (int y = 0; y < newH; y++)
            for (int x = 0; x < newW; x++)
                for (int c = 0; c < 3; c++)
                {
                    double sum = 0;
                    foreach (var (sy, wy) in yTab[y])
                        foreach (var (sx, wx) in xTab[x])
                            sum += wy * wx * src[(sy * w + sx) * 3 + c];
                    dst[(y * newW + x) * 3 + c] = Saturate(sum);
                }
        return dst;
    }

    /// <summary>OpenCV's computeResizeAreaTab: the source cells each output cell covers, with their covered fractions.</summary>
    private static List<(int Index, double Weight)>[] AreaTable(int size, int newSize)
    {
        double scale = (double)size / newSize;
        var table = new List<(int, double)>[newSize];
        for (int d = 0; d < newSize; d++)
        {
            var cells = new List<(int, double)>();
            double f1 = d * scale, f2 = f1 + scale;
            double cell = Math.Min(scale, size - f1);
            int s1 = (int)Math.Ceiling(f1), s2 = (int)Math.Floor(f2);
            s2 = Math.Min(s2, size - 1);
            s1 = Math.Min(s1, s2);
            if (s1 - f1 > 1e-3) cells.Add((s1 - 1, (s1 - f1) / cell));
            for (int s = s1; s < s2; s++) cells.Add((s, 1.0 / cell));
            if (f2 - s2 > 1e-3) cells.Add((s2, Math.Min(Math.Min(f2 - s2, 1.0), cell) / cell));
            table[d] = cells;
        }
        return table;
    }

    /// <summary>
    /// Bicubic as OpenCV computes it for uint8: float coefficients quantised to 11-bit shorts, an exact integer pass along rows,
    /// then the column pass in float32 (row blocks of 8 values, nested multiply-adds, round half to even) with any leftover
    /// values of a row finished in 22-bit fixed point (round half up).
    /// </summary>
    public static byte[] Cubic(byte[] src, int h, int w, int newH, int newW)
    {
        const int Channels = 3, CoefficientScale = 1 << 11;
        var (xIdx, xW) = CubicTable(w, newW, CoefficientScale);
        var (yIdx, yW) = CubicTable(h, newH, CoefficientScale);
        int rowLength = newW * Channels;
        // Source rows filtered along x, kept as exact integers (value x 2^11): [h][newW*3].
        var rows = new int[h][];
        for (int sy = 0; sy < h; sy++)
        {
            var row = rows[sy] = new int[rowLength];
            for (int x = 0; x < newW; x++)
                for (int c = 0; c < Channels; c++)
                {
                    int sum = 0;
                    for (int i = 0; i < 4; i++) sum += src[(sy * w + xIdx[x, i]) * Channels + c] * xW[x, i];
                    row[x * Channels + c] = sum;
                }
        }
        // OpenCV's vector loop covers whole blocks of 8 values; the remainder takes the scalar fixed-point path.
        int vectorEnd = rowLength / 8 * 8;
        const float Unscale = 1f / (CoefficientScale * CoefficientScale);
        var dst = new byte[newH * rowLength];
        for (int y = 0; y < newH; y++)
        {
            int[] r0 = rows[yIdx[y, 0]], r1 = rows[yIdx[y, 1]], r2 = rows[yIdx[y, 2]], r3 = rows[yIdx[y, 3]];
            float b0 = yW[y, 0] * Unscale, b1 = yW[y, 1] * Unscale, b2 = yW[y, 2] * Unscale, b3 = yW[y, 3] * Unscale;
            for (int i = 0; i < rowLength; i++)
            {
                int value;
                if (i < vectorEnd)
                {
                    float inner = r3[i] * b3;
                    inner = r2[i] * b2 + inner;
                    inner = r1[i] * b1 + inner;
                    inner = r0[i] * b0 + inner;
                    value = (int)MathF.Round(inner, MidpointRounding.ToEven);
                }
                else
                {
                    int sum = r0[i] * yW[y, 0] + r1[i] * yW[y, 1] + r2[i] * yW[y, 2] + r3[i] * yW[y, 3];
                    value = (sum + (1 << 21)) >> 22;
                }
                dst[y * rowLength + i] = (byte)Math.Clamp(value, 0, 255);
            }
        }
        return dst;
    }

    /// <summary>
    /// Per output index: the 4 clamped source indices and OpenCV's interpolateCubic weights (a = -0.75, float arithmetic on the
    /// float source position).
    /// </summary>
    internal static (int[,] Index, float[,] Weight) CubicWindows(int size, int newSize)
    {
        const float A = -0.75f;
        double inverseScale = 1.0 / ((double)newSize / size);
        var index = new int[newSize, 4];
        var weight = new float[newSize, 4];
        for (int d = 0; d < newSize; d++)
        {
            float f = (float)((d + 0.5) * inverseScale - 0.5);
            int s = (int)MathF.Floor(f);
            float t = f - s;
            weight[d, 0] = ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A;
            weight[d, 1] = ((A + 2) * t - (A + 3)) * t * t + 1;
            weight[d, 2] = ((A + 2) * (1 - t) - (A + 3)) * (1 - t) * (1 - t) + 1;
            weight[d, 3] = 1f - weight[d, 0] - weight[d, 1] - weight[d, 2];
            for (int k = 0; k < 4; k++) index[d, k] = Math.Clamp(s - 1 + k, 0, size - 1);
        }
        return (index, weight);
    }

    /// <summary><see cref="CubicWindows"/> with the weights quantised to shorts by rounding weight x <paramref name="scale"/>.</summary>
    private static (int[,] Index, int[,] Weight) CubicTable(int size, int newSize, int scale)
    {
        var (index, weight) = CubicWindows(size, newSize);
        var quantised = new int[newSize, 4];
        for (int d = 0; d < newSize; d++)
            for (int k = 0; k < 4; k++) quantised[d, k] = Quantise(weight[d, k], scale);
        return (index, quantised);
    }

    private static int Quantise(float weight, int scale) => (int)Math.Clamp(MathF.Round(weight * scale, MidpointRounding.ToEven), short.MinValue, short.MaxValue);

    private static byte Saturate(double value) => (byte)Math.Clamp(Math.Round(value, MidpointRounding.ToEven), 0, 255);
}
