using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>
/// A unit's preprocessor with its processor_res / threshold_a / threshold_b as the unit set them (null = the module's default):
/// turns the unit's input image into the control map that <see cref="HintImage"/> then fits to the generation size.
/// </summary>
public sealed record UnitPreprocessing(ControlNetPreprocessor Preprocessor, int? Resolution, double? ThresholdA, double? ThresholdB)
{
    /// <summary>
    /// uint8 image [C,H,W] (C = 1, 3 or 4) -> the control map, uint8 [3,h,w] on the CPU. <paramref name="seed"/> and
    /// <paramref name="subseed"/> are the generation's (WebUI's p.seed, p.subseed), which seed numpy's generator for shuffle.
    /// </summary>
    public Tensor Apply(Tensor image, long seed, long subseed)
    {
        var settings = Preprocessor.Settings(Resolution, ThresholdA, ThresholdB, PreprocessorSettings.NumpySeed(seed, subseed));
        return Preprocessor.Apply(RgbImage.FromChw(image), settings).ToChw();
    }
}
