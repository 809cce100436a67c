using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.ControlNet;

/// <summary>
/// Brings an already preprocessed control image to the generation size as sd-webui-controlnet does (detectmap_proc with the
/// "none" preprocessor) and scales it to [0,1]. Interpolation follows its rule: nearest for 3..199 distinct colours, area when the
/// pixel count shrinks, bicubic otherwise (OpenCV's kernels; area is computed in floating point and can differ from OpenCV's
/// uint8 arithmetic by one level). Two-colour black/white images are binarised again after resizing (<see cref="BinaryHintMap"/>).
/// </summary>
public static class HintImage
{
    /// <summary>
    /// uint8 image [C,H,W] (C = 1, 3 or 4, as read from a file) -> control [1,3,height,width] float32 in [0,1] on
    /// <paramref name="device"/>. <paramref name="height"/>/<paramref name="width"/> are the generation size (multiples of 8).
    /// </summary>
    public static Tensor ToControl(Tensor image, int height, int width, HintResizeMode mode, Device? device = null)
    {
        if (AtGenerationSize(image, height, width) is { } control) return control.to(device ?? CPU);
        var map = DetectedMap(image, height, width, mode);
        using var hwc = tensor(map, [height, width, 3], ScalarType.Byte);
        using var chw = hwc.permute(2, 0, 1).unsqueeze(0).to(ScalarType.Float32);
        return (chw / 255.0).to(device ?? CPU);
    }

    /// <summary>
    /// The control of an RGB or grey image already at the generation size, computed where the image is (no copy to the host),
    /// or null when the host path must run. At that size every mode keeps the pixels: nearest and bicubic at scale 1 are the
    /// identity, crop and fill have nothing to cut or pad, area never applies. The one exception is a two-colour black/white
    /// map, which is binarised again: telling it apart reads back a single flag. The values come from a table of v / 255 made
    /// on the CPU, so they equal the host path's on any device.
    /// </summary>
    private static Tensor? AtGenerationSize(Tensor image, int height, int width)
    {
        if (image.ndim != 3 || image.dtype != ScalarType.Byte || image.shape[0] is not (1 or 3)
            || image.shape[1] != height || image.shape[2] != width)
            return null;
        using var scope = NewDisposeScope();
        var rgb = image.shape[0] == 1 ? image.expand(3, -1, -1) : image;
        if (MayBeBinarised(rgb)) return null;
        using var levels = arange(256, ScalarType.Float32) / 255.0;
        var table = levels.to(image.device);
        var control = table.index_select(0, rgb.flatten().to(ScalarType.Int64)).reshape(1, 3, height, width);
        return control.MoveToOuterDisposeScope();
    }

    /// <summary>Whether <see cref="BinaryHintMap.Applies"/> would hold: exactly two RGB colours, darkest value below 16, brightest above 240.</summary>
    private static bool MayBeBinarised(Tensor rgb)
    {
        using var scope = NewDisposeScope();
        var wide = rgb.to(ScalarType.Int32);
        var packed = (wide[0] * 65536 + wide[1] * 256 + wide[2]).flatten();
        var first = packed[0];
        var differs = packed.ne(first);
        // The smallest colour other than the first (int.MaxValue when there is none).
        var second = where(differs, packed, tensor(int.MaxValue, device: rgb.device)).min();
        var twoColours = differs.any().logical_and(packed.eq(first).logical_or(packed.eq(second)).all());
        var blackAndWhite = rgb.min().lt(16).logical_and(rgb.max().gt(240));
        return twoColours.logical_and(blackAndWhite).item<bool>();
    }

    /// <summary>The resized uint8 image, HWC interleaved RGB [height,width,3] (the extension's detected_map).</summary>
    public static byte[] DetectedMap(Tensor image, int height, int width, HintResizeMode mode)
    {
        if (image.ndim != 3 || image.dtype != ScalarType.Byte || image.shape[0] is not (1 or 3 or 4))
            throw new ArgumentException($"control image must be uint8 [C,H,W] with C = 1, 3 or 4, got {image.dtype} [{string.Join(",", image.shape)}]", nameof(image));
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"target size {width}x{height} must be positive");
        int oldH = (int)image.shape[1], oldW = (int)image.shape[2];
        var rgb = ToRgb(image);
        double k0 = (double)height / oldH, k1 = (double)width / oldW;
        switch (mode)
        {
            case HintResizeMode.JustResize:
                return Resize(rgb, oldH, oldW, height, width);
            case HintResizeMode.CropAndResize:
            {
                double k = Math.Max(k0, k1);
                int newH = (int)Math.Round(oldH * k), newW = (int)Math.Round(oldW * k);
                var resized = Resize(rgb, oldH, oldW, newH, newW);
                int top = Math.Max(0, (newH - height) / 2), left = Math.Max(0, (newW - width) / 2);
                var output = new byte[height * width * 3];
                for (int y = 0; y < height; y++)
                    Array.Copy(resized, ((top + y) * newW + left) * 3, output, y * width * 3, width * 3);
                return output;
            }
            case HintResizeMode.ResizeAndFill:
            {
                double k = Math.Min(k0, k1);
                var border = MedianBorderColour(rgb, oldH, oldW);
                int newH = (int)Math.Round(oldH * k), newW = (int)Math.Round(oldW * k);
                var resized = Resize(rgb, oldH, oldW, newH, newW);
                var output = new byte[height * width * 3];
                for (int i = 0; i < height * width; i++) { output[i * 3] = border[0]; output[i * 3 + 1] = border[1]; output[i * 3 + 2] = border[2]; }
                int top = Math.Max(0, (height - newH) / 2), left = Math.Max(0, (width - newW) / 2);
                for (int y = 0; y < Math.Min(newH, height - top); y++)
                    Array.Copy(resized, y * newW * 3, output, ((top + y) * width + left) * 3, Math.Min(newW, width - left) * 3);
                return output;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown resize mode");
        }
    }

    /// <summary>HWC3 of the image as interleaved RGB bytes.</summary>
    private static byte[] ToRgb(Tensor image) => Preprocessors.RgbImage.FromChw(image).Pixels;

    /// <summary>Per channel, numpy's median of the first/last rows and columns (even count: mean of the middle two, truncated).</summary>
    private static byte[] MedianBorderColour(byte[] rgb, int h, int w)
    {
        var colour = new byte[3];
        for (int ch = 0; ch < 3; ch++)
        {
            var values = new List<int>();
            for (int x = 0; x < w; x++) { values.Add(rgb[x * 3 + ch]); values.Add(rgb[((h - 1) * w + x) * 3 + ch]); }
            for (int y = 0; y < h; y++) { values.Add(rgb[(y * w) * 3 + ch]); values.Add(rgb[(y * w + w - 1) * 3 + ch]); }
            values.Sort();
            int n = values.Count;
            double median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
            colour[ch] = (byte)median;
        }
        return colour;
    }

    /// <summary>The extension's high_quality_resize on interleaved RGB.</summary>
    private static byte[] Resize(byte[] rgb, int h, int w, int newH, int newW)
    {
        var colours = new HashSet<int>();
        for (int i = 0; i < h * w; i++) colours.Add(rgb[i * 3] << 16 | rgb[i * 3 + 1] << 8 | rgb[i * 3 + 2]);
        long newArea = (long)newH * newW, oldArea = (long)h * w;
        var resized = colours.Count is > 2 and < 200 ? OpenCvResize.Nearest(rgb, h, w, newH, newW)
            : newArea < oldArea ? OpenCvResize.Area(rgb, h, w, newH, newW)
            : OpenCvResize.Cubic(rgb, h, w, newH, newW);
        return BinaryHintMap.Applies(rgb, colours.Count) ? BinaryHintMap.Binarise(rgb, h, w, resized, newH, newW) : resized;
    }
}
