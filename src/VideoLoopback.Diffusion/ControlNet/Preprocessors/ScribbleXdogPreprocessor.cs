namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>
/// scribble_xdog: difference of Gaussians (sigma 5 minus sigma 0.5, float32) at the processor resolution; a pixel is white where
/// 2 * (255 - dog) exceeds threshold_a, the product taken in uint8 (wrapping) as numpy does.
/// </summary>
public sealed class ScribbleXdogPreprocessor : ControlNetPreprocessor
{
    public override string Name => "scribble_xdog";
    public override PreprocessorSlider ThresholdA { get; } = new("XDoG Threshold", 1, 64, 32);

    public override RgbImage Apply(RgbImage image, PreprocessorSettings settings)
    {
        var resized = PaddedResize.Of(image, settings.Resolution);
        var padded = resized.Padded;
        var values = padded.Pixels.Select(v => (float)v).ToArray();
        var fine = OpenCvGaussianBlur.Blur(values, padded.Height, padded.Width, 3, 0.5);
        var coarse = OpenCvGaussianBlur.Blur(values, padded.Height, padded.Width, 3, 5.0);
        var map = new byte[padded.Height * padded.Width];
        for (int i = 0; i < map.Length; i++)
        {
            float min = MathF.Min(coarse[i * 3] - fine[i * 3], MathF.Min(coarse[i * 3 + 1] - fine[i * 3 + 1], coarse[i * 3 + 2] - fine[i * 3 + 2]));
            byte dog = (byte)Math.Clamp(255f - min, 0f, 255f);
            byte doubled = unchecked((byte)(2 * (byte)(255 - dog)));
            map[i] = doubled > settings.ThresholdA ? (byte)255 : (byte)0;
        }
        return resized.RemovePad(RgbImage.FromGrey(padded.Height, padded.Width, map));
    }
}
