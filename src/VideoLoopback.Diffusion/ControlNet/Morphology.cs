namespace VideoLoopback.Diffusion.ControlNet;

/// <summary>
/// OpenCV's erode, dilate and hit-or-miss on interleaved uint8 images with a 3x3 structuring element anchored at its centre
/// (element [i,j] looks at offset (i-1, j-1)) and OpenCV's default morphology border: positions outside the image take no part
/// (the border acts as 255 for erosion and 0 for dilation).
/// </summary>
public static class Morphology
{
    /// <summary>Per channel minimum over the element's set positions. <paramref name="image"/>: [h,w,channels].</summary>
    public static byte[] Erode(byte[] image, int h, int w, int channels, bool[,] element) =>
        Extremum(image, h, w, channels, element, minimum: true);

    /// <summary>Per channel maximum over the element's set positions. <paramref name="image"/>: [h,w,channels].</summary>
    public static byte[] Dilate(byte[] image, int h, int w, int channels, bool[,] element) =>
        Extremum(image, h, w, channels, element, minimum: false);

    /// <summary>
    /// cv2.MORPH_HITMISS on a single-channel image [h,w]: kernel 1 = the pixel must be set, -1 = it must be clear, 0 = either.
    /// As OpenCV: erosion of the image by the 1s AND (bitwise) erosion of its complement by the -1s; a part with no entries
    /// contributes 255, and an all-zero kernel returns the image unchanged. On a 0/255 image the result is 255 exactly where the
    /// pattern matches.
    /// </summary>
    public static byte[] HitOrMiss(byte[] image, int h, int w, int[,] kernel)
    {
        CheckShape(kernel.GetLength(0), kernel.GetLength(1));
        if (image.Length != h * w) throw new ArgumentException($"image has {image.Length} values, expected {h}x{w}", nameof(image));
        bool centreSet = kernel[1, 1] == 1, anyEntry = false;
        foreach (int entry in kernel) anyEntry |= entry != 0;
        if (!anyEntry) return (byte[])image.Clone(); // OpenCV copies the image for an all-zero kernel
        var output = new byte[image.Length];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                // Both erosions at this pixel, stopping once the set part reaches 0 (the AND is then 0 whatever the rest);
                // a clear pixel under a set centre is that case at once, and most pixels of an edge map are clear.
                if (centreSet && image[y * w + x] == 0) continue;
                int hit = 255, miss = 255;
                for (int i = 0; i < 3 && hit != 0; i++)
                {
                    int sy = y + i - 1;
                    if (sy < 0 || sy >= h) continue;
                    for (int j = 0; j < 3; j++)
                    {
                        int sx = x + j - 1;
                        if (sx < 0 || sx >= w) continue;
                        int value = image[sy * w + sx];
                        if (kernel[i, j] == 1) hit = Math.Min(hit, value);
                        else if (kernel[i, j] == -1) miss = Math.Min(miss, 255 - value);
                    }
                }
                output[y * w + x] = (byte)(hit & miss);
            }
        return output;
    }

    private static byte[] Extremum(byte[] image, int h, int w, int channels, bool[,] element, bool minimum)
    {
        CheckShape(element.GetLength(0), element.GetLength(1));
        if (image.Length != h * w * channels)
            throw new ArgumentException($"image has {image.Length} values, expected {h}x{w}x{channels}", nameof(image));
        var output = new byte[image.Length];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < channels; c++)
                {
                    // An empty neighbourhood leaves OpenCV's border value: 255 for erosion, 0 for dilation.
                    int result = minimum ? 255 : 0;
                    for (int i = 0; i < 3; i++)
                    {
                        int sy = y + i - 1;
                        if (sy < 0 || sy >= h) continue;
                        for (int j = 0; j < 3; j++)
                        {
                            int sx = x + j - 1;
                            if (!element[i, j] || sx < 0 || sx >= w) continue;
                            int value = image[(sy * w + sx) * channels + c];
                            result = minimum ? Math.Min(result, value) : Math.Max(result, value);
                        }
                    }
                    output[(y * w + x) * channels + c] = (byte)result;
                }
        return output;
    }

    private static void CheckShape(int rows, int columns)
    {
        if (rows != 3 || columns != 3) throw new ArgumentException($"structuring element must be 3x3, got {rows}x{columns}");
    }
}
