namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>
/// Modules whose preprocessing passes the image through: none, and those whose effect lies outside the control map (tile_colorfix
/// and tile_colorfix+sharp change how the model's output is treated; inpaint_only uses the inpaint mask, which units here do not
/// have). Their sliders are kept so that values are checked and defaulted as the extension does.
/// </summary>
public sealed class IdentityPreprocessor(string name, PreprocessorSlider? resolution = null, PreprocessorSlider? thresholdA = null,
    PreprocessorSlider? thresholdB = null) : ControlNetPreprocessor
{
    public override string Name => name;
    public override PreprocessorSlider Resolution => resolution ?? base.Resolution;
    public override PreprocessorSlider ThresholdA => thresholdA ?? base.ThresholdA;
    public override PreprocessorSlider ThresholdB => thresholdB ?? base.ThresholdB;

    public override RgbImage Apply(RgbImage image, PreprocessorSettings settings) => image;
}
