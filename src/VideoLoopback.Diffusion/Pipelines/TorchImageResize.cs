using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// The pipeline's default <see cref="WebUiImageResize"/>: WebUI's resize-mode geometry (images.resize_image) with torch's
/// antialiased bicubic in place of PIL's LANCZOS, so results are close to WebUI's but not bit-exact.
/// </summary>
public static class TorchImageResize
{
    public static Tensor Resize(Tensor image, WebUiResizeMode mode, int width, int height)
    {
        if (image.dim() != 3 || image.dtype != ScalarType.Byte)
            throw new ArgumentException($"resize: image must be uint8 [C,H,W]; got {image.dtype} [{string.Join(",", image.shape)}]", nameof(image));
        if (width <= 0 || height <= 0) throw new ArgumentException($"resize: target size {width}x{height} must be positive");
        using var scope = NewDisposeScope();
        int w = (int)image.shape[2], h = (int)image.shape[1];
        if (mode == WebUiResizeMode.JustResize) return Scale(image, width, height).MoveToOuterDisposeScope();

        var (scaledW, scaledH) = WebUiResizeGeometry.ScaledSize(mode, w, h, width, height);
        var scaled = Scale(image, scaledW, scaledH);
        // Centre the scaled image: cut it (crop and resize) or place it on a black canvas (resize and fill).
        int left = width / 2 - scaledW / 2, top = height / 2 - scaledH / 2;
        var canvas = zeros([image.shape[0], height, width], ScalarType.Byte, image.device);
        int x0 = Math.Max(left, 0), y0 = Math.Max(top, 0);
        int x1 = Math.Min(left + scaledW, width), y1 = Math.Min(top + scaledH, height);
        canvas[.., y0..y1, x0..x1] = scaled[.., (y0 - top)..(y1 - top), (x0 - left)..(x1 - left)];
        if (mode == WebUiResizeMode.ResizeAndFill)
        {
            // WebUI fills the bands by stretching the scaled image's first and last row (column) over them.
            if (top > 0)
            {
                canvas[.., ..top, ..] = scaled[.., ..1, ..].expand(-1, top, -1);
                canvas[.., (top + scaledH).., ..] = scaled[.., ^1.., ..].expand(-1, height - top - scaledH, -1);
            }
            if (left > 0)
            {
                canvas[.., .., ..left] = scaled[.., .., ..1].expand(-1, -1, left);
                canvas[.., .., (left + scaledW)..] = scaled[.., .., ^1..].expand(-1, -1, width - left - scaledW);
            }
        }
        return canvas.MoveToOuterDisposeScope();
    }

    private static Tensor Scale(Tensor image, int width, int height)
    {
        if (image.shape[1] == height && image.shape[2] == width) return image.clone();
        var x = image.to(ScalarType.Float32).unsqueeze(0);
        var resized = nn.functional.interpolate(x, [height, width], mode: InterpolationMode.Bicubic, align_corners: false, antialias: true);
        return resized[0].round().clamp(0, 255).to(ScalarType.Byte);
    }
}
