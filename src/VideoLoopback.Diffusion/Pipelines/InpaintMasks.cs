using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// The mask arithmetic of WebUI's inpainting (processing.py, StableDiffusionProcessingImg2Img), as
/// pure functions: mask mode and blur on the pixel mask, the overlay mask, the latent masks, the
/// masked-content initial latent and the final composite that keeps the unmasked pixels.
/// </summary>
public static class InpaintMasks
{
    /// <summary>
    /// Pixel mask → inverted for "inpaint not masked", then blurred (x, then y). uint8 [H,W] in and out. The mask is
    /// taken as WebUI's create_binary_mask leaves it: grey levels of an 'L' mask pass unthresholded (only an RGBA
    /// mask's alpha is thresholded at &gt; 128, which is up to whoever decodes the file, as the img2img command does).
    /// </summary>
    public static Tensor Prepare(Tensor mask, InpaintMaskMode mode, int blurX, int blurY)
    {
        using var scope = NewDisposeScope();
        var m = mode == InpaintMaskMode.InpaintNotMasked ? (255 - mask.to_type(ScalarType.Int32)).to_type(ScalarType.Byte) : mask;
        return MaskBlur.Apply(m, blurX, blurY).MoveToOuterDisposeScope();
    }

    /// <summary>"Whole picture" overlay mask: the (resized) mask doubled and clipped, so the blur's inner half becomes fully generated.</summary>
    public static Tensor OverlayMaskWholePicture(Tensor resizedMask)
    {
        using var scope = NewDisposeScope();
        return (resizedMask.to_type(ScalarType.Float32) * 2).clamp(0, 255).to_type(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Latent masks from the mask already resized to the latent size (uint8 [h,w]): nmask = mask/255
    /// (rounded to 0/1 when <paramref name="round"/>, WebUI's default), keep = 1 − nmask; both [1,4,h,w] float32.
    /// </summary>
    public static (Tensor Keep, Tensor Repaint) LatentMasks(Tensor latentSizedMask, bool round = true)
    {
        using var scope = NewDisposeScope();
        var repaint = latentSizedMask.to_type(ScalarType.Float32) / 255;
        if (round) repaint = repaint.round(); // numpy.around: halves to even, as torch.round
        repaint = repaint.unsqueeze(0).unsqueeze(0).expand(1, 4, -1, -1).contiguous();
        var keep = 1 - repaint;
        return (keep.MoveToOuterDisposeScope(), repaint.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The init latent a masked-content mode starts from ([B,4,h,w]): Original and Fill keep the
    /// encoded latent (Fill already changed the pixels), LatentNoise puts <paramref name="latentNoise"/>
    /// in the repaint area, LatentNothing zeroes it.
    /// </summary>
    public static Tensor InitialLatent(MaskedContent content, Tensor initLatent, Tensor keep, Tensor repaint, Tensor? latentNoise)
    {
        return content switch
        {
            MaskedContent.Original or MaskedContent.Fill => initLatent.alias(),
            MaskedContent.LatentNoise => initLatent * keep + (latentNoise ?? throw new ArgumentNullException(nameof(latentNoise), "latent noise masked content needs the seeded noise")) * repaint,
            MaskedContent.LatentNothing => initLatent * keep,
            _ => throw new ArgumentOutOfRangeException(nameof(content), content, "unknown masked content"),
        };
    }

    /// <summary>
    /// Puts the original back over the generated image where the overlay mask is 0: alpha = 255 − mask,
    /// out = (original·alpha + generated·(255 − alpha)) / 255, rounded. uint8 [C,H,W] images, uint8 [H,W] mask.
    /// Pixels with mask 0 are exactly the original; pixels with mask 255 exactly the generated image.
    /// </summary>
    public static Tensor CompositeUnmasked(Tensor original, Tensor generated, Tensor overlayMask)
    {
        if (!original.shape.SequenceEqual(generated.shape))
            throw new ArgumentException($"original [{string.Join(",", original.shape)}] and generated [{string.Join(",", generated.shape)}] differ in size");
        if (overlayMask.shape[0] != original.shape[1] || overlayMask.shape[1] != original.shape[2])
            throw new ArgumentException($"mask [{string.Join(",", overlayMask.shape)}] does not match the image size {original.shape[2]}x{original.shape[1]}");
        using var scope = NewDisposeScope();
        var alpha = (255 - overlayMask.to_type(ScalarType.Int32)).unsqueeze(0);
        var blended = (original.to_type(ScalarType.Int32) * alpha + generated.to_type(ScalarType.Int32) * (255 - alpha) + 127).div(255, rounding_mode: RoundingMode.floor);
        return blended.to_type(ScalarType.Byte).MoveToOuterDisposeScope();
    }
}
