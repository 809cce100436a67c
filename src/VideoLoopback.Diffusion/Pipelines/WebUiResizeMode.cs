namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// WebUI's img2img <c>resize_mode</c>, the one enum for it everywhere (the numeric values are WebUI's, as job files and
/// the <c>--resize-mode</c> options give them).
/// </summary>
public enum WebUiResizeMode
{
    /// <summary>Stretch to the target size.</summary>
    JustResize = 0,

    /// <summary>Scale to cover the target, then cut the overhang off both sides equally.</summary>
    CropAndResize = 1,

    /// <summary>Scale to fit inside the target, centred; the bands left over repeat the edge rows or columns.</summary>
    ResizeAndFill = 2,

    /// <summary>
    /// "Just resize (latent upscale)": WebUI upscales the latents instead, which <see cref="Img2ImgPipeline"/> does not do;
    /// images.resize_image called with it (as the original extension does) treats it as <see cref="ResizeAndFill"/>.
    /// </summary>
    LatentUpscale = 3,
}
