using TorchSharp;
using VideoLoopback.Diffusion.Pipelines;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Imaging;

/// <summary>
/// WebUI's <c>masking.fill(image, mask)</c> with Pillow's arithmetic, bit for bit: the image as RGBa pasted through the
/// inverted mask onto a transparent RGBa canvas; for each (radius, repeats) of <see cref="MaskedFill.Layers"/> that
/// canvas is blurred with <c>GaussianBlur(radius)</c>, converted to RGBA and alpha-composited <c>repeats</c> times
/// onto an RGBA result that starts transparent; the result's colour channels are returned.
/// </summary>
public static class WebUiMaskedFill
{
    /// <summary>RGB uint8 [3,H,W] and mask 'L' uint8 [H,W] (255 = fill) → RGB uint8 [3,H,W].</summary>
    public static Tensor Apply(Tensor image, Tensor mask)
    {
        if (image.dim() != 3 || image.shape[0] != 3 || image.dtype != ScalarType.Byte)
            throw new ArgumentException($"masking.fill: image must be uint8 RGB [3,H,W]; got {image.dtype} [{string.Join(",", image.shape)}]", nameof(image));
        if (mask.dim() != 2 || mask.dtype != ScalarType.Byte || mask.shape[0] != image.shape[1] || mask.shape[1] != image.shape[2])
            throw new ArgumentException($"masking.fill: mask must be uint8 [H,W] of the image size {image.shape[2]}x{image.shape[1]}; got {mask.dtype} [{string.Join(",", mask.shape)}]", nameof(mask));
        using var scope = torch.NewDisposeScope();
        var masked = WebUiOverlay.MaskedOut(image, mask);
        var result = torch.zeros_like(masked);
        foreach (var (radius, repeats) in MaskedFill.Layers)
        {
            var layer = ImageConvert.FromPremultiplied(new GaussianBlurFilter(radius).Apply(masked));
            for (int i = 0; i < repeats; i++) result = ImageBlend.AlphaComposite(result, layer);
        }
        return ImageConvert.ToRgb(result).MoveToOuterDisposeScope();
    }
}
