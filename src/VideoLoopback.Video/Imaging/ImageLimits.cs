namespace VideoLoopback.Video.Imaging;

/// <summary>
/// Size checks made from an image's header before anything is allocated, in 64-bit arithmetic: the pixel limit
/// (Pillow's decompression-bomb error threshold by default) and whether a buffer fits in one .NET array at all.
/// </summary>
public static class ImageLimits
{
    /// <summary>Pillow's <c>DecompressionBombError</c> threshold: twice <c>Image.MAX_IMAGE_PIXELS</c> (1024^3 / 4 / 3).</summary>
    public const int DefaultMaxPixels = 2 * (1024 * 1024 * 1024 / 4 / 3);

    /// <summary>Refuses a non-positive size, or more pixels than <paramref name="maxPixels"/>.</summary>
    public static void CheckPixels(string path, long width, long height, long maxPixels)
    {
        if (width <= 0 || height <= 0) throw new ImageFileException(path, $"image size {width}x{height} is not positive");
        var pixels = width * height;
        if (pixels > maxPixels)
            throw new ImageFileException(path,
                $"image of {width}x{height} = {pixels} pixels is over the limit of {maxPixels} pixels (max_image_pixels)");
    }

    /// <summary>The length of a buffer of <paramref name="bytes"/> bytes, refused when it cannot be one array.</summary>
    public static int BufferLength(string path, long bytes, long width, long height)
    {
        if (bytes < 0 || bytes > Array.MaxLength)
            throw new ImageFileException(path, $"image of {width}x{height} pixels needs {bytes} bytes, more than one buffer can hold");
        return (int)bytes;
    }
}
