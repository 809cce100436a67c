using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// WebUI's "Inpaint area: Only masked" (StableDiffusionProcessingImg2Img.init with inpaint_full_res): the region
/// around the blurred mask (masking.get_crop_region_v2 with the padding, then expand_crop_region to the processing
/// aspect) is cut out of the image and mask and resized to the processing size (resize mode 2, "resize and fill");
/// after generation the result is resized back to the region (resize mode 1, "crop and resize") and pasted into
/// the full-size image (apply_overlay's uncrop), which the overlay composite then blends with the original.
/// </summary>
public sealed record OnlyMaskedCrop(CropRegion Region, int ProcessingWidth, int ProcessingHeight)
{
    /// <summary>
    /// The crop for a blurred mask uint8 [H,W] at the image's size; null when the mask is blank (WebUI then switches
    /// to plain img2img).
    /// </summary>
    public static OnlyMaskedCrop? Find(Tensor blurredMask, int padding, int processingWidth, int processingHeight)
    {
        if (processingWidth <= 0 || processingHeight <= 0)
            throw new ArgumentException($"only masked: processing size {processingWidth}x{processingHeight} must be positive");
        var box = CropRegion.FromMask(blurredMask, padding);
        if (box is not { } found) return null;
        var region = found.ExpandToAspect(processingWidth, processingHeight, (int)blurredMask.shape[1], (int)blurredMask.shape[0]);
        return new OnlyMaskedCrop(region, processingWidth, processingHeight);
    }

    /// <summary>The region of <paramref name="image"/> (uint8 [C,H,W]) resized to the processing size: [C,h,w].</summary>
    public Tensor ToProcessing(Tensor image, WebUiImageResize resize)
    {
        using var scope = NewDisposeScope();
        var cut = image[.., Region.Y1..Region.Y2, Region.X1..Region.X2].contiguous();
        return Checked(resize(cut, WebUiResizeMode.ResizeAndFill, ProcessingWidth, ProcessingHeight), cut.shape[0], ProcessingWidth, ProcessingHeight)
            .MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <paramref name="generated"/> (uint8 [3,h,w] at the processing size) resized into the region and pasted into a
    /// copy of <paramref name="original"/> (uint8 [3,H,W]). Outside the region the overlay mask is 0, so the overlay
    /// composite keeps the original there whatever lies beneath.
    /// </summary>
    public Tensor PasteBack(Tensor original, Tensor generated, WebUiImageResize resize)
    {
        using var scope = NewDisposeScope();
        var fitted = Checked(resize(generated, WebUiResizeMode.CropAndResize, Region.Width, Region.Height), generated.shape[0], Region.Width, Region.Height);
        var full = original.clone();
        full[.., Region.Y1..Region.Y2, Region.X1..Region.X2] = fitted;
        return full.MoveToOuterDisposeScope();
    }

    private static Tensor Checked(Tensor resized, long channels, int width, int height)
    {
        if (resized.dim() != 3 || resized.shape[0] != channels || resized.shape[1] != height || resized.shape[2] != width || resized.dtype != ScalarType.Byte)
            throw new InvalidOperationException($"the image resize returned {resized.dtype} [{string.Join(",", resized.shape)}]; expected uint8 [{channels},{height},{width}]");
        return resized;
    }
}
