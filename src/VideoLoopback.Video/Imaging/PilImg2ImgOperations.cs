using VideoLoopback.Diffusion.Pipelines;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Imaging;

/// <summary>
/// The PIL-exact image operations for <see cref="Img2ImgPipeline"/>, so its inpainting pixels equal WebUI's;
/// <see cref="Generation.WebUiImg2Img.Pipeline"/> makes a pipeline wired to them.
/// </summary>
public static class PilImg2ImgOperations
{
    /// <summary>The latent mask: PIL's default <c>Image.resize</c> filter (bicubic) on the 'L' mask [H,W].</summary>
    public static Tensor MaskResize(Tensor mask, int width, int height) =>
        ImageResize.Resize(mask.unsqueeze(0), width, height, ResampleFilter.Bicubic)[0];

    /// <summary>
    /// <c>images.resize_image</c> on [C,H,W]; a 1-channel mask stays 1 channel (modes 1 and 2 paste it onto an RGB canvas
    /// in WebUI, whose equal channels convert back to 'L' unchanged).
    /// </summary>
    public static Tensor Resize(Tensor image, WebUiResizeMode mode, int width, int height)
    {
        var resized = WebUiResize.Resize(image, mode, width, height);
        if (image.shape[0] != 1 || resized.shape[0] == 1) return resized;
        using (resized) return resized.narrow(0, 0, 1).contiguous();
    }

    public static Tensor MaskedFill(Tensor image, Tensor mask) => WebUiMaskedFill.Apply(image, mask);

    public static Tensor Overlay(Tensor original, Tensor generated, Tensor overlayMask) => WebUiOverlay.Apply(original, generated, overlayMask);
}
