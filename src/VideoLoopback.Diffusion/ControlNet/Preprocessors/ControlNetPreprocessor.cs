namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>
/// A ControlNet preprocessor (the unit's <c>module</c>) of sd-webui-controlnet: turns the unit's input image into the control
/// map that is then fitted to the generation size (<see cref="HintImage"/>). The sliders give the defaults and ranges of the unit's
/// processor_res, threshold_a and threshold_b for this module.
/// </summary>
public abstract class ControlNetPreprocessor
{
    public abstract string Name { get; }
    public virtual PreprocessorSlider Resolution => PreprocessorSlider.Resolution;
    public virtual PreprocessorSlider ThresholdA => PreprocessorSlider.Unused;
    public virtual PreprocessorSlider ThresholdB => PreprocessorSlider.Unused;

    /// <summary>The control map as the extension's detectmap_proc receives it (after HWC3).</summary>
    public abstract RgbImage Apply(RgbImage image, PreprocessorSettings settings);

    /// <summary>The unit's values with this module's defaults filled in (unset or out of range -> default, as the extension does).</summary>
    public PreprocessorSettings Settings(double? resolution, double? thresholdA, double? thresholdB, uint seed = 0) =>
        new(Resolution.Resolve(resolution), ThresholdA.Resolve(thresholdA), ThresholdB.Resolve(thresholdB), seed);

    /// <summary>
    /// Null when the values fit, else why not: an explicit value outside a shown slider's range (-1, the API's "default", is fine).
    /// </summary>
    public string? Check(double? resolution, double? thresholdA, double? thresholdB)
    {
        foreach (var (key, slider, value) in new[]
                 { ("processor_res", Resolution, resolution), ("threshold_a", ThresholdA, thresholdA), ("threshold_b", ThresholdB, thresholdB) })
        {
            if (value is not { } v || v == -1 || !slider.Shown || slider.Accepts(v)) continue;
            return $"{key} {v} is outside {Name}'s range {slider.Minimum}..{slider.Maximum} ({slider.Label}, default {slider.Default})";
        }
        return null;
    }
}
