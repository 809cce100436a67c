namespace VideoLoopback.Diffusion.ControlNet;

/// <summary>
/// OpenCV's cv2.resize kernels for interleaved uint8 RGB, as sd-webui-controlnet calls them: nearest, area (when both axes shrink)
/// and bicubic (a = -0.75, replicated borders), computed in double precision and rounded.
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

    public static byte[] Cubic(byte[] src, int h, int w, int newH, int newW)
    {
        var (xIdx, xW) = CubicTable(w, newW);
        var (yIdx, yW) = CubicTable(h, newH);
        var dst = new byte[newH * newW * 3];
        for (int y = 0; y < newH; y++)
            for (int x = 0; x < newW; x++)
                for (int c = 0; c < 3; c++)
                {
                    double sum = 0;
                    for (int j = 0; j < 4; j++)
                    {
                        double row = 0;
                        for (int i = 0; i < 4; i++) row += xW[x, i] * src[(yIdx[y, j] * w + xIdx[x, i]) * 3 + c];
                        sum += yW[y, j] * row;
                    }
                    dst[(y * newW + x) * 3 + c] = Saturate(sum);
                }
        return dst;
    }

    private static (int[,] Index, double[,] Weight) CubicTable(int size, int newSize)
    {
        const double A = -0.75;
        double scale = (double)size / newSize;
        var index = new int[newSize, 4];
        var weight = new double[newSize, 4];
        for (int d = 0; d < newSize; d++)
        {
            double f = (d + 0.5) * scale - 0.5;
            int s = (int)Math.Floor(f);
            double t = f - s;
            weight[d, 0] = ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A;
            weight[d, 1] = ((A + 2) * t - (A + 3)) * t * t + 1;
            weight[d, 2] = ((A + 2) * (1 - t) - (A + 3)) * (1 - t) * (1 - t) + 1;
            weight[d, 3] = 1 - weight[d, 0] - weight[d, 1] - weight[d, 2];
            for (int k = 0; k < 4; k++) index[d, k] = Math.Clamp(s - 1 + k, 0, size - 1);
        }
        return (index, weight);
    }

    private static byte Saturate(double value) => (byte)Math.Clamp(Math.Round(value, MidpointRounding.ToEven), 0, 255);
}
