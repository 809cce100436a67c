namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>
/// The extension's make_noise_disk for one channel: a coarse grid of uniform noise ((H/F)+2) x ((W/F)+2), upscaled by OpenCV's
/// float64 bicubic resize to (H+2F) x (W+2F), the centre H x W cut out and stretched to [0, 1].
/// </summary>
public static class NoiseDisk
{
    public static double[] Make(int height, int width, int cellSize, NumpyRandomState random)
    {
        int gridH = height / cellSize + 2, gridW = width / cellSize + 2;
        var grid = new double[gridH * gridW];
        for (int i = 0; i < grid.Length; i++) grid[i] = random.NextDouble();
        int bigH = height + 2 * cellSize, bigW = width + 2 * cellSize;
        var big = CubicResize(grid, gridH, gridW, bigH, bigW);
        var noise = new double[height * width];
        for (int y = 0; y < height; y++) Array.Copy(big, (y + cellSize) * bigW + cellSize, noise, y * width, width);
        double min = noise.Min();
        for (int i = 0; i < noise.Length; i++) noise[i] -= min;
        double max = noise.Max();
        for (int i = 0; i < noise.Length; i++) noise[i] /= max;
        return noise;
    }

    /// <summary>
    /// cv2.resize(..., INTER_CUBIC) on one float64 channel: float weights (a = -0.75) at float source positions, replicated
    /// borders, a row pass then a column pass, each summing the four products left to right in double.
    /// </summary>
    internal static double[] CubicResize(double[] src, int h, int w, int newH, int newW)
    {
        var (xIndex, xWeight) = Table(w, newW);
        var (yIndex, yWeight) = Table(h, newH);
        var rows = new double[h * newW];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < newW; x++)
            {
                double sum = 0;
                for (int k = 0; k < 4; k++) sum += src[y * w + xIndex[x, k]] * (double)xWeight[x, k];
                rows[y * newW + x] = sum;
            }
        var dst = new double[newH * newW];
        for (int y = 0; y < newH; y++)
            for (int x = 0; x < newW; x++)
            {
                double sum = 0;
                for (int k = 0; k < 4; k++) sum += (double)yWeight[y, k] * rows[yIndex[y, k] * newW + x];
                dst[y * newW + x] = sum;
            }
        return dst;
    }

    private static (int[,] Index, float[,] Weight) Table(int size, int newSize)
    {
        const float A = -0.75f;
        double scale = 1.0 / ((double)newSize / size);
        var index = new int[newSize, 4];
        var weight = new float[newSize, 4];
        for (int d = 0; d < newSize; d++)
        {
            float f = (float)((d + 0.5) * scale - 0.5);
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
}
