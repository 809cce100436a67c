namespace VideoLoopback.Diffusion.ControlNet;

/// <summary>sd-webui-controlnet's resize modes for a control image whose size differs from the generation's.</summary>
public enum HintResizeMode
{
    /// <summary>"Just Resize": stretched to the target size.</summary>
    JustResize,
    /// <summary>"Crop and Resize": scaled to cover the target, centre-cropped.</summary>
    CropAndResize,
    /// <summary>"Resize and Fill": scaled to fit inside the target, padded with the median border colour.</summary>
    ResizeAndFill,
}
