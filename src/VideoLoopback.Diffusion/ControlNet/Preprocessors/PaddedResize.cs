namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>
/// The extension's resize_image_with_pad: scale so that the shorter side becomes the processor resolution (bicubic when growing,
/// area otherwise; sizes rounded half to even), then extend the bottom and right edges by repetition to multiples of 64.
/// The preprocessor runs on the padded image; <see cref="Height"/>/<see cref="Width"/> are what its result is cropped back to.
/// </summary>
public sealed record PaddedResize(RgbImage Padded, int Height, int Width)
{
    public static PaddedResize Of(RgbImage image, double resolution)
    {
        double k = resolution / Math.Min(image.Height, image.Width);
        int height = (int)Math.Round(image.Height * k, MidpointRounding.ToEven);
        int width = (int)Math.Round(image.Width * k, MidpointRounding.ToEven);
        var resized = height == image.Height && width == image.Width ? image.Pixels
            : k > 1 ? OpenCvResize.Cubic(image.Pixels, image.Height, image.Width, height, width)
            : OpenCvResize.Area(image.Pixels, image.Height, image.Width, height, width);
        int paddedHeight = RoundUpTo64(height), paddedWidth = RoundUpTo64(width);
        var padded = new byte[paddedHeight * paddedWidth * 3];
        for (int y = 0; y < paddedHeight; y++)
        {
            int sy = Math.Min(y, height - 1);
            Array.Copy(resized, sy * width * 3, padded, y * paddedWidth * 3, width * 3);
            for (int x = width; x < paddedWidth; x++)
                Array.Copy(resized, (sy * width + width - 1) * 3, padded, (y * paddedWidth + x) * 3, 3);
        }
        return new PaddedResize(new RgbImage(paddedHeight, paddedWidth, padded), height, width);
    }

    /// <summary>A result computed on the padded image, cropped back to the resized size.</summary>
    public RgbImage RemovePad(RgbImage result) => result.Crop(Height, Width);

    private static int RoundUpTo64(int size) => (size + 63) / 64 * 64;
}
