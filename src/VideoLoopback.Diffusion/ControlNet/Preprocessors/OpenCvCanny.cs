namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>
/// cv2.Canny(image, low, high) with its defaults (3x3 Sobel with replicated borders, L1 gradient magnitude) on an RGB image: per
/// pixel the channel with the largest magnitude (first on ties) gives the gradient; non-maximum suppression in four directions
/// with OpenCV's fixed-point tan(22.5°) test; hysteresis keeps weak pixels 8-connected to strong ones. Returns 0/255 per pixel.
/// </summary>
public static class OpenCvCanny
{
    private const int Shift = 15;
    private static readonly int Tan22 = (int)(0.4142135623730950488016887242097 * (1 << Shift) + 0.5);

    public static byte[] Detect(RgbImage image, double lowThreshold, double highThreshold)
    {
        if (lowThreshold > highThreshold) (lowThreshold, highThreshold) = (highThreshold, lowThreshold);
        int low = (int)Math.Floor(lowThreshold), high = (int)Math.Floor(highThreshold);
        int h = image.Height, w = image.Width;
        var (dx, dy, magnitude) = Gradient(image);
        // 0 = may be an edge, 1 = not an edge, 2 = edge; one cell of margin all round.
        int stride = w + 2;
        var map = new byte[(h + 2) * stride];
        Array.Fill(map, (byte)1);
        var stack = new Stack<int>();
        int Magnitude(int y, int x) => y < 0 || y >= h || x < 0 || x >= w ? 0 : magnitude[y * w + x];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int m = magnitude[y * w + x];
                if (m <= low || !IsLocalMaximum(m, dx[y * w + x], dy[y * w + x], y, x, Magnitude)) continue;
                int cell = (y + 1) * stride + x + 1;
                if (m > high) { map[cell] = 2; stack.Push(cell); }
                else map[cell] = 0;
            }
        int[] neighbours = [-1, 1, -stride - 1, -stride, -stride + 1, stride - 1, stride, stride + 1];
        while (stack.Count > 0)
        {
            int cell = stack.Pop();
            foreach (int d in neighbours)
                if (map[cell + d] == 0) { map[cell + d] = 2; stack.Push(cell + d); }
        }
        var edges = new byte[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                edges[y * w + x] = map[(y + 1) * stride + x + 1] == 2 ? (byte)255 : (byte)0;
        return edges;
    }

    private static bool IsLocalMaximum(int m, int xs, int ys, int y, int x, Func<int, int, int> magnitude)
    {
        int ax = Math.Abs(xs), ay = Math.Abs(ys) << Shift;
        int tg22x = ax * Tan22;
        if (ay < tg22x) return m > magnitude(y, x - 1) && m >= magnitude(y, x + 1);
        int tg67x = tg22x + (ax << (Shift + 1));
        if (ay > tg67x) return m > magnitude(y - 1, x) && m >= magnitude(y + 1, x);
        int s = (xs ^ ys) < 0 ? -1 : 1;
        return m > magnitude(y - 1, x - s) && m > magnitude(y + 1, x + s);
    }

    /// <summary>Sobel dx, dy (replicated borders) and |dx| + |dy| of the strongest channel per pixel.</summary>
    private static (int[] Dx, int[] Dy, int[] Magnitude) Gradient(RgbImage image)
    {
        int h = image.Height, w = image.Width;
        var dx = new int[h * w];
        var dy = new int[h * w];
        var magnitude = new int[h * w];
        for (int y = 0; y < h; y++)
        {
            int up = Math.Max(y - 1, 0), down = Math.Min(y + 1, h - 1);
            for (int x = 0; x < w; x++)
            {
                int left = Math.Max(x - 1, 0), right = Math.Min(x + 1, w - 1);
                int best = -1;
                for (int c = 0; c < 3; c++)
                {
                    int gx = image[up, right, c] - image[up, left, c] + 2 * (image[y, right, c] - image[y, left, c])
                        + image[down, right, c] - image[down, left, c];
                    int gy = image[down, left, c] - image[up, left, c] + 2 * (image[down, x, c] - image[up, x, c])
                        + image[down, right, c] - image[up, right, c];
                    int m = Math.Abs(gx) + Math.Abs(gy);
                    if (m <= best) continue;
                    best = m;
                    dx[y * w + x] = gx;
                    dy[y * w + x] = gy;
                }
                magnitude[y * w + x] = best;
            }
        }
        return (dx, dy, magnitude);
    }
}
