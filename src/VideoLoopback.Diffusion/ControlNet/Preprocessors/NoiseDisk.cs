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
        var (xIndex, xWeight) = OpenCvResize.CubicWindows(w, newW);
        var (yIndex, yWeight) = OpenCvResize.CubicWindows(h, newH);
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
}
