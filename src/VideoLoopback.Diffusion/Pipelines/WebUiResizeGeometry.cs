namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// The geometry of WebUI's images.resize_image, shared by every implementation of it (torch here, PIL-exact in the video
/// project): the size the source is scaled to before it is centred on the target canvas.
/// </summary>
public static class WebUiResizeGeometry
{
    /// <summary>The size WebUI scales the source to before centring it (integer arithmetic as resize_image).</summary>
    public static (int Width, int Height) ScaledSize(WebUiResizeMode mode, int sourceWidth, int sourceHeight, int width, int height)
    {
        double ratio = (double)width / height, sourceRatio = (double)sourceWidth / sourceHeight;
        return mode switch
        {
            WebUiResizeMode.JustResize => (width, height),
            WebUiResizeMode.CropAndResize => (ratio > sourceRatio ? width : sourceWidth * height / sourceHeight,
                                                ratio <= sourceRatio ? height : sourceHeight * width / sourceWidth),
            WebUiResizeMode.ResizeAndFill => (ratio < sourceRatio ? width : sourceWidth * height / sourceHeight,
                                                ratio >= sourceRatio ? height : sourceHeight * width / sourceWidth),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown resize mode"),
        };
    }
}
