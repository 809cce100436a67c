namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// WebUI's img2img <c>resize_mode</c> as <c>images.resize_image</c> applies it (the numeric values are WebUI's).
/// "Just resize (latent upscale)" (3) is not an image resize and has no member here.
/// </summary>
public enum Img2ImgResizeMode
{
    /// <summary>Stretch to the target size.</summary>
    JustResize = 0,

    /// <summary>Scale to cover the target, then cut the overhang off both sides equally.</summary>
    CropAndResize = 1,

    /// <summary>Scale to fit inside the target, centred; the bands left over repeat the edge rows or columns.</summary>
    ResizeAndFill = 2,
}
