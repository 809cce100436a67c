namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>invert (from white bg &amp; black line): 255 - value, at the input size.</summary>
public sealed class InvertPreprocessor : ControlNetPreprocessor
{
    public override string Name => "invert";
    public override PreprocessorSlider Resolution => PreprocessorSlider.Unused;

    public override RgbImage Apply(RgbImage image, PreprocessorSettings settings) =>
        image with { Pixels = image.Pixels.Select(v => (byte)(255 - v)).ToArray() };
}
