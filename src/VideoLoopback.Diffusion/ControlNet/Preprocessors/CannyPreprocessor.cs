namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>canny: OpenCV's Canny edges at the processor resolution, thresholds truncated to integers.</summary>
public sealed class CannyPreprocessor : ControlNetPreprocessor
{
    public override string Name => "canny";
    public override PreprocessorSlider ThresholdA { get; } = new("Low Threshold", 1, 255, 100);
    public override PreprocessorSlider ThresholdB { get; } = new("High Threshold", 1, 255, 200);

    public override RgbImage Apply(RgbImage image, PreprocessorSettings settings)
    {
        var resized = PaddedResize.Of(image, settings.Resolution);
        var edges = OpenCvCanny.Detect(resized.Padded, Math.Truncate(settings.ThresholdA), Math.Truncate(settings.ThresholdB));
        return resized.RemovePad(RgbImage.FromGrey(resized.Padded.Height, resized.Padded.Width, edges));
    }
}
