using TorchSharp;
using VideoLoopback.Diffusion.Pipelines;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Imaging;

/// <summary>
/// WebUI's <c>images.resize_image(resize_mode, im, width, height)</c> with no upscaler configured
/// (the main resize is PIL LANCZOS; the fill bands use PIL's default BICUBIC), as the original extension calls it. Just-resize keeps the mode;
/// the other modes paste onto a new black RGB canvas, so RGBA loses its alpha and L becomes RGB.
/// </summary>
public static class WebUiResize
{
    public static Tensor Resize(Tensor frames, WebUiResizeMode mode, int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"resize: target size {width}x{height} must be positive");
        if (!Enum.IsDefined(mode)) throw new ArgumentException($"resize_mode {(int)mode} is not one of 0..3", nameof(mode));
        using var scope = torch.NewDisposeScope();
        var x = FrameTensor.AsBatch(frames, nameof(frames));
        if (mode == WebUiResizeMode.JustResize)
            return FrameTensor.Restore(ImageResize.Resize(x, width, height), frames).MoveToOuterDisposeScope();

        int w = (int)x.shape[3], h = (int)x.shape[2];
        var ratio = (double)width / height;
        var sourceRatio = (double)w / h;
        // Every mode but crop and resize scales as resize and fill here (latent upscale included, as before).
        var (srcW, srcH) = WebUiResizeGeometry.ScaledSize(
            mode == WebUiResizeMode.CropAndResize ? WebUiResizeMode.CropAndResize : WebUiResizeMode.ResizeAndFill, w, h, width, height);
        var resized = ImageResize.Resize(x, srcW, srcH);
        var canvas = torch.zeros([x.shape[0], 3, height, width], ScalarType.Byte, x.device);
        Paste(canvas, resized, width / 2 - srcW / 2, height / 2 - srcH / 2);

        if (mode != WebUiResizeMode.CropAndResize)
        {
            if (ratio < sourceRatio)
            {
                // bands above and below: from a zero-height box at the first / last row, with PIL's default
                // filter (BICUBIC: WebUI passes no resample argument here)
                var fill = height / 2 - srcH / 2;
                if (fill > 0)
                {
                    Paste(canvas, ImageResize.Resize(resized, width, fill, ResampleFilter.Bicubic, box: (0, 0, width, 0)), 0, 0);
                    Paste(canvas, ImageResize.Resize(resized, width, fill, ResampleFilter.Bicubic, box: (0, srcH, width, srcH)), 0, fill + srcH);
                }
            }
            else if (ratio > sourceRatio)
            {
                var fill = width / 2 - srcW / 2;
                if (fill > 0)
                {
                    Paste(canvas, ImageResize.Resize(resized, fill, height, ResampleFilter.Bicubic, box: (0, 0, 0, height)), 0, 0);
                    Paste(canvas, ImageResize.Resize(resized, fill, height, ResampleFilter.Bicubic, box: (srcW, 0, srcW, height)), fill + srcW, 0);
                }
            }
        }
        return FrameTensor.Restore(canvas, frames).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <c>Image.paste(im, (left, top))</c> onto an RGB canvas [N,3,H,W], clipped to the canvas: RGBA pastes its colour
    /// bytes (alpha dropped, no blending), L is converted to RGB.
    /// </summary>
    private static void Paste(Tensor canvas, Tensor image, int left, int top)
    {
        var mode = FrameTensor.Mode(image);
        var rgb = mode switch
        {
            ImageMode.RGB => image,
            ImageMode.RGBA => image.narrow(1, 0, 3),
            _ => ImageConvert.ToRgb(image),
        };
        long canvasH = canvas.shape[2], canvasW = canvas.shape[3], imageH = rgb.shape[2], imageW = rgb.shape[3];
        long x0 = Math.Max(0, left), y0 = Math.Max(0, top);
        long x1 = Math.Min(canvasW, left + imageW), y1 = Math.Min(canvasH, top + imageH);
        if (x1 <= x0 || y1 <= y0) return;
        var source = rgb.narrow(2, y0 - top, y1 - y0).narrow(3, x0 - left, x1 - x0);
        canvas.narrow(2, y0, y1 - y0).narrow(3, x0, x1 - x0).copy_(source);
    }
}
