namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>
/// The preprocessors by sd-webui-controlnet module name. Those that run a network (depth, openpose, lineart, softedge, ...) are
/// known by name but not available: asking for one fails with a message saying so.
/// </summary>
public static class PreprocessorRegistry
{
    private static readonly PreprocessorSlider Variation = new("Variation", 3, 32, 8);

    private static readonly Dictionary<string, ControlNetPreprocessor> Available = new ControlNetPreprocessor[]
    {
        new IdentityPreprocessor("none"),
        new CannyPreprocessor(),
        new InvertPreprocessor(),
        new ThresholdPreprocessor(),
        new ScribbleXdogPreprocessor(),
        new TileResamplePreprocessor(),
        new IdentityPreprocessor("tile_colorfix", thresholdA: Variation),
        new IdentityPreprocessor("tile_colorfix+sharp", thresholdA: Variation, thresholdB: new("Sharpness", 0, 2, 1)),
        new ShufflePreprocessor(),
        new IdentityPreprocessor("inpaint_only", resolution: PreprocessorSlider.Unused),
        new LineartStandardPreprocessor(),
    }.ToDictionary(p => p.Name, StringComparer.Ordinal);

    /// <summary>The extension's modules that run a network model; not available here.</summary>
    public static readonly IReadOnlyList<string> NetworkModules =
    [
        "depth_midas", "depth_leres", "depth_leres++", "depth_zoe", "depth_anything", "depth_anything_v2", "normal_bae", "normal_midas",
        "openpose", "openpose_face", "openpose_faceonly", "openpose_full", "openpose_hand", "dw_openpose_full", "animal_openpose",
        "lineart", "lineart_coarse", "lineart_anime", "lineart_anime_denoise", "softedge_hed", "softedge_hedsafe", "softedge_pidinet",
        "softedge_pidisafe", "softedge_teed", "hed", "hed_safe", "pidinet", "pidinet_safe", "mlsd", "seg_ofade20k", "seg_ofcoco",
        "seg_ufade20k", "seg_anime_face", "scribble_hed", "scribble_pidinet", "t2ia_sketch_pidi", "inpaint_only+lama",
        "shuffle_anime", "mediapipe_face", "densepose", "densepose_parula", "normal_dsine", "mobile_sam",
    ];

    /// <summary>The module names that can be used, in the extension's order of this list.</summary>
    public static IReadOnlyCollection<string> Names => Available.Keys;

    /// <summary>The preprocessor for <paramref name="module"/>, or null with the reason.</summary>
    public static ControlNetPreprocessor? Find(string module, out string? error)
    {
        error = null;
        if (Available.TryGetValue(module, out var preprocessor)) return preprocessor;
        error = NetworkModules.Contains(module, StringComparer.Ordinal)
            ? $"module '{module}' needs a network model (an annotator), which is not available; preprocess the images beforehand " +
              "and use module none"
            : $"module '{module}' is unknown; known modules: {string.Join(", ", Names)}";
        return null;
    }

    /// <summary>The preprocessor for <paramref name="module"/>; throws <see cref="ArgumentException"/> when there is none.</summary>
    public static ControlNetPreprocessor Get(string module) =>
        Find(module, out var error) ?? throw new ArgumentException(error, nameof(module));
}
