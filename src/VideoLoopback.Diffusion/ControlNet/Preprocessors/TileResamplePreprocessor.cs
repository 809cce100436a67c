namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>tile_resample: below a rate of 1.1 the image itself, else an area downscale by threshold_a (sizes truncated).</summary>
public sealed class TileResamplePreprocessor : ControlNetPreprocessor
{
    public override string Name => "tile_resample";
    public override PreprocessorSlider ThresholdA { get; } = new("Down Sampling Rate", 1, 8, 1);

    public override RgbImage Apply(RgbImage image, PreprocessorSettings settings)
    {
        double rate = settings.ThresholdA;
        if (rate < 1.1) return image;
        int height = (int)(image.Height / rate), width = (int)(image.Width / rate);
        return new RgbImage(height, width, OpenCvResize.Area(image.Pixels, image.Height, image.Width, height, width));
    }
}
