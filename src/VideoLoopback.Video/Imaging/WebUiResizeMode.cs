namespace VideoLoopback.Video.Imaging;

/// <summary>WebUI's img2img resize modes (the numeric values are WebUI's <c>resize_mode</c>).</summary>
public enum WebUiResizeMode
{
    JustResize = 0,
    CropAndResize = 1,
    ResizeAndFill = 2,
    /// <summary>"Just resize (latent upscale)": the original calls resize_image directly, which treats it as ResizeAndFill.</summary>
    LatentUpscale = 3,
}
