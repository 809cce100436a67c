namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>threshold: white where the smallest channel exceeds threshold_a, at the processor resolution.</summary>
public sealed class ThresholdPreprocessor : ControlNetPreprocessor
{
    public override string Name => "threshold";
    public override PreprocessorSlider ThresholdA { get; } = new("Binarization Threshold", 0, 255, 127);

    public override RgbImage Apply(RgbImage image, PreprocessorSettings settings)
    {
        var resized = PaddedResize.Of(image, settings.Resolution);
        var source = resized.RemovePad(resized.Padded);
        var map = new byte[source.Height * source.Width];
        for (int i = 0; i < map.Length; i++)
        {
            int min = Math.Min(source.Pixels[i * 3], Math.Min(source.Pixels[i * 3 + 1], source.Pixels[i * 3 + 2]));
            map[i] = min > settings.ThresholdA ? (byte)255 : (byte)0;
        }
        return RgbImage.FromGrey(source.Height, source.Width, map);
    }
}
