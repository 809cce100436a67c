using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>An interleaved uint8 RGB image, row-major [Height,Width,3], as the extension's preprocessors pass numpy arrays.</summary>
public sealed record RgbImage(int Height, int Width, byte[] Pixels)
{
    public byte this[int y, int x, int c] => Pixels[(y * Width + x) * 3 + c];

    /// <summary>
    /// The extension's HWC3 of a uint8 [C,H,W] tensor (C = 1, 3 or 4): grey repeated, RGBA composited over white in float and
    /// truncated like numpy's astype.
    /// </summary>
    public static RgbImage FromChw(Tensor image)
    {
        if (image.ndim != 3 || image.dtype != ScalarType.Byte || image.shape[0] is not (1 or 3 or 4))
            throw new ArgumentException($"image must be uint8 [C,H,W] with C = 1, 3 or 4, got {image.dtype} [{string.Join(",", image.shape)}]",
                nameof(image));
        int c = (int)image.shape[0], h = (int)image.shape[1], w = (int)image.shape[2];
        using var hwc = image.permute(1, 2, 0).contiguous().cpu();
        var src = hwc.data<byte>().ToArray();
        if (c == 3) return new RgbImage(h, w, src);
        var rgb = new byte[h * w * 3];
        for (int i = 0; i < h * w; i++)
            for (int ch = 0; ch < 3; ch++)
            {
                if (c == 1) { rgb[i * 3 + ch] = src[i]; continue; }
                float alpha = src[i * 4 + 3] / 255.0f;
                float value = src[i * 4 + ch] * alpha + 255.0f * (1.0f - alpha);
                rgb[i * 3 + ch] = (byte)Math.Clamp(value, 0f, 255f);
            }
        return new RgbImage(h, w, rgb);
    }

    /// <summary>The image as a uint8 [3,H,W] tensor on the CPU.</summary>
    public Tensor ToChw()
    {
        using var hwc = tensor(Pixels, [Height, Width, 3], ScalarType.Byte);
        return hwc.permute(2, 0, 1).contiguous();
    }

    /// <summary>One value per pixel repeated over the three channels (HWC3 of a single-channel map).</summary>
    public static RgbImage FromGrey(int height, int width, byte[] grey)
    {
        var pixels = new byte[height * width * 3];
        for (int i = 0; i < grey.Length; i++) pixels[i * 3] = pixels[i * 3 + 1] = pixels[i * 3 + 2] = grey[i];
        return new RgbImage(height, width, pixels);
    }

    /// <summary>The top-left <paramref name="height"/> x <paramref name="width"/> block (the extension's remove_pad).</summary>
    public RgbImage Crop(int height, int width)
    {
        if (height == Height && width == Width) return this;
        var pixels = new byte[height * width * 3];
        for (int y = 0; y < height; y++) Array.Copy(Pixels, y * Width * 3, pixels, y * width * 3, width * 3);
        return new RgbImage(height, width, pixels);
    }
}
