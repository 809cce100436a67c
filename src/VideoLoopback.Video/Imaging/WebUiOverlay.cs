using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Imaging;

/// <summary>
/// WebUI's inpainting overlay with Pillow's arithmetic, bit for bit: the original (as RGBa) pasted through the inverted
/// overlay mask onto a transparent canvas and converted to RGBA is the overlay (StableDiffusionProcessingImg2Img.init);
/// <c>apply_overlay</c> alpha-composites it over the generated image and drops the alpha. Mask 0 gives the original
/// pixel exactly, 255 the generated one.
/// </summary>
public static class WebUiOverlay
{
    /// <summary>Original and generated RGB uint8 [3,H,W], overlay mask 'L' uint8 [H,W] → RGB uint8 [3,H,W].</summary>
    public static Tensor Apply(Tensor original, Tensor generated, Tensor overlayMask)
    {
        FrameTensor.RequireSameShape(original, generated, "apply_overlay");
        if (original.dim() != 3 || original.shape[0] != 3)
            throw new ArgumentException($"apply_overlay: images must be RGB [3,H,W]; got [{string.Join(",", original.shape)}]", nameof(original));
        if (overlayMask.dim() != 2 || overlayMask.shape[0] != original.shape[1] || overlayMask.shape[1] != original.shape[2])
            throw new ArgumentException($"apply_overlay: mask [{string.Join(",", overlayMask.shape)}] does not match the image size {original.shape[2]}x{original.shape[1]}", nameof(overlayMask));
        using var scope = torch.NewDisposeScope();
        var overlay = ImageConvert.FromPremultiplied(MaskedOut(original, overlayMask));
        var composed = ImageBlend.AlphaComposite(ImageConvert.ToRgba(generated), overlay);
        return ImageConvert.ToRgb(composed).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// WebUI's image_masked step, shared by the overlay and masking.fill: RGB <paramref name="image"/> [3,H,W] as RGBa pasted
    /// through the inverted 'L' <paramref name="mask"/> [H,W] onto a transparent RGBa canvas (paste blends every band, alpha
    /// included, as Image.composite); RGBa [4,H,W].
    /// </summary>
    internal static Tensor MaskedOut(Tensor image, Tensor mask)
    {
        using var scope = torch.NewDisposeScope();
        var premultiplied = ImageConvert.ToPremultiplied(ImageConvert.ToRgba(image));
        var keep = (255 - mask.to(ScalarType.Int32)).to(ScalarType.Byte);
        return ImageBlend.Composite(premultiplied, torch.zeros_like(premultiplied), keep).MoveToOuterDisposeScope();
    }
}
