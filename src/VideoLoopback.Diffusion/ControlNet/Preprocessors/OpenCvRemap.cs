namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>
/// cv2.remap(image, map, None, INTER_LINEAR) for uint8 RGB and a float32 map of source coordinates, with the constant (black)
/// border: OpenCV rounds each coordinate to 1/32 pixel and blends the four neighbours with integer weights summing to 2^15.
/// </summary>
public static class OpenCvRemap
{
    private const int TableBits = 5, TableSize = 1 << TableBits, WeightBits = 15;

    /// <param name="mapX">Source x per destination pixel, [height*width].</param>
    /// <param name="mapY">Source y per destination pixel, [height*width].</param>
    public static RgbImage Bilinear(RgbImage image, float[] mapX, float[] mapY, int height, int width)
    {
        var dst = new byte[height * width * 3];
        for (int i = 0; i < height * width; i++)
        {
            int fixedX = (int)MathF.Round(mapX[i] * TableSize, MidpointRounding.ToEven);
            int fixedY = (int)MathF.Round(mapY[i] * TableSize, MidpointRounding.ToEven);
            int sx = fixedX >> TableBits, sy = fixedY >> TableBits;
            int fx = fixedX & (TableSize - 1), fy = fixedY & (TableSize - 1);
            // (1 - fx)(1 - fy) etc. in 1/1024 units are exact, so scaling to 2^15 needs no rounding correction.
            int w00 = (TableSize - fx) * (TableSize - fy) * 32, w01 = fx * (TableSize - fy) * 32;
            int w10 = (TableSize - fx) * fy * 32, w11 = fx * fy * 32;
            for (int c = 0; c < 3; c++)
            {
                int sum = Pixel(image, sy, sx, c) * w00 + Pixel(image, sy, sx + 1, c) * w01
                    + Pixel(image, sy + 1, sx, c) * w10 + Pixel(image, sy + 1, sx + 1, c) * w11;
                dst[i * 3 + c] = (byte)Math.Clamp((sum + (1 << (WeightBits - 1))) >> WeightBits, 0, 255);
            }
        }
        return new RgbImage(height, width, dst);
    }

    private static int Pixel(RgbImage image, int y, int x, int c) =>
        y < 0 || y >= image.Height || x < 0 || x >= image.Width ? 0 : image[y, x, c];
}
