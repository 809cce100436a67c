using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>WebUI's <c>resize_image(resize_mode, img, W, H)</c> as the original extension calls it, on uint8 <c>[C,H,W]</c> frames.</summary>
public static class FrameResize
{
    /// <summary>
    /// A new tensor (or an alias when nothing changes). Mode 3 (latent upscale) resizes like mode 2, as the original does,
    /// since it calls resize_image directly.
    /// </summary>
    public static Tensor Resize(Tensor image, int width, int height, int resizeMode)
    {
        if (image.shape[^2] == height && image.shape[^1] == width && resizeMode == 0)
            return image.alias();
        return WebUiResize.Resize(image, (WebUiResizeMode)resizeMode, width, height);
    }
}
