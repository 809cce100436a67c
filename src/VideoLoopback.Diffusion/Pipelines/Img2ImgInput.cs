using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// What one frame is generated from, prepared as WebUI's StableDiffusionProcessingImg2Img.init does it:
/// <see cref="Pixels"/> uint8 [3,h,w] at the processing size are what the VAE encodes (cropped for "only masked",
/// filled for every masked content but "original"); <see cref="Mask"/> uint8 [h,w] the blurred mask at the processing
/// size (latent masks, fill, inpainting-model conditioning), null for plain img2img; <see cref="OverlayMask"/> and
/// <see cref="Original"/> the composite that puts the original back (whole picture: the doubled mask over the resized
/// image; only masked: the blurred mask itself over the full-size image, after <see cref="Crop"/> pastes the result back).
/// </summary>
public sealed record Img2ImgInput(Tensor Pixels, Tensor? Mask, Tensor? OverlayMask, Tensor Original, OnlyMaskedCrop? Crop) : IDisposable
{
    /// <summary>
    /// Builds the input from the init image uint8 [3,H,W] and its blurred mask uint8 [H,W] (null: img2img).
    /// A blank mask with "only masked" falls back to plain img2img, as WebUI.
    /// </summary>
    public static Img2ImgInput Build(Tensor init, Tensor? blurredMask, InpaintSettings settings, int width, int height,
        WebUiResizeMode resizeMode, WebUiImageResize resize, MaskedFillOperation fill)
    {
        using var scope = NewDisposeScope();
        Img2ImgInput input;
        if (blurredMask is null)
        {
            input = Img2Img(init, width, height, resizeMode, resize);
        }
        else if (settings.Area == InpaintArea.OnlyMasked)
        {
            if (OnlyMaskedCrop.Find(blurredMask, settings.OnlyMaskedPadding, width, height) is { } crop)
            {
                // The mask for everything at the processing size comes from the crop; the overlay keeps the
                // full-size blurred mask, not doubled (WebUI sets mask_for_overlay before cropping).
                var mask = crop.ToProcessing(blurredMask.unsqueeze(0), resize)[0];
                var pixels = Filled(crop.ToProcessing(init, resize), mask, settings, fill);
                input = new Img2ImgInput(pixels, mask, blurredMask.alias(), init.alias(), crop);
            }
            else input = Img2Img(init, width, height, resizeMode, resize);
        }
        else
        {
            var image = Resized(init, width, height, resizeMode, resize);
            var mask = Resized(blurredMask.unsqueeze(0), width, height, resizeMode, resize)[0];
            input = new Img2ImgInput(Filled(image, mask, settings, fill), mask, InpaintMasks.OverlayMaskWholePicture(mask), image, null);
        }
        input.Pixels.MoveToOuterDisposeScope();
        input.Mask?.MoveToOuterDisposeScope();
        input.OverlayMask?.MoveToOuterDisposeScope();
        input.Original.MoveToOuterDisposeScope();
        return input;
    }

    /// <summary>
    /// The generated image uint8 [3,h,w] put back together with the original: pasted into the crop (only masked) and
    /// composited through the overlay mask; plain img2img returns it as it is.
    /// </summary>
    public Tensor Compose(Tensor generated, WebUiImageResize resize, OverlayComposite overlay)
    {
        if (OverlayMask is null) return generated.alias();
        using var scope = NewDisposeScope();
        var full = Crop is null ? generated : Crop.PasteBack(Original, generated, resize);
        return overlay(Original, full, OverlayMask).MoveToOuterDisposeScope();
    }

    private static Img2ImgInput Img2Img(Tensor init, int width, int height, WebUiResizeMode mode, WebUiImageResize resize)
    {
        var image = Resized(init, width, height, mode, resize);
        return new Img2ImgInput(image, null, null, image.alias(), null); // distinct handles: each is moved out of the scope once
    }

    private static Tensor Resized(Tensor image, int width, int height, WebUiResizeMode mode, WebUiImageResize resize)
    {
        if (image.shape[1] == height && image.shape[2] == width) return image.alias();
        var resized = resize(image, mode, width, height);
        if (resized.dtype != ScalarType.Byte || !resized.shape.SequenceEqual([image.shape[0], height, width]))
            throw new InvalidOperationException($"the image resize returned {resized.dtype} [{string.Join(",", resized.shape)}]; expected uint8 [{image.shape[0]},{height},{width}]");
        return resized;
    }

    // WebUI fills for every masked content except "original" (inpainting_fill != 1), latent noise and nothing included.
    private static Tensor Filled(Tensor image, Tensor mask, InpaintSettings settings, MaskedFillOperation fill)
    {
        if (settings.MaskedContent == MaskedContent.Original) return image.alias();
        var filled = fill(image, mask);
        if (filled.dtype != ScalarType.Byte || !filled.shape.SequenceEqual(image.shape))
            throw new InvalidOperationException($"the masked fill returned {filled.dtype} [{string.Join(",", filled.shape)}]; expected uint8 [{string.Join(",", image.shape)}]");
        return filled;
    }

    /// <summary>Disposes every one of <paramref name="inputs"/> when it is disposed.</summary>
    internal static IDisposable OwnerOf(IEnumerable<Img2ImgInput> inputs) => new Owner([.. inputs]);

    private sealed class Owner(Img2ImgInput[] inputs) : IDisposable
    {
        public void Dispose()
        {
            foreach (var input in inputs) input.Dispose();
        }
    }

    /// <summary>Frees the input's tensors (each is its own handle; the caller's init image and mask stay valid).</summary>
    public void Dispose()
    {
        Pixels.Dispose();
        Mask?.Dispose();
        OverlayMask?.Dispose();
        Original.Dispose();
    }
}
