using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>WebUI's <c>resize_image(resize_mode, img, W, H)</c> as the original extension calls it, on uint8 <c>[C,H,W]</c> frames.</summary>
public static class FrameResize
{
    public static Tensor Resize(Tensor image, int width, int height, int resizeMode)
    {
        if (image.shape[1] == height && image.shape[2] == width && resizeMode == 0)
            return image.alias();
        throw new NotSupportedException($"resizing {image.shape[2]}x{image.shape[1]} to {width}x{height} (resize mode {resizeMode}) is not available");
    }
}
