namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>
/// shuffle: the image at resolution 512 (the extension fixes it; its slider accepts only [0, 1]) warped by a smooth random flow,
/// two noise disks (x first, then y) of cell size 256 drawn from numpy's global generator seeded with the generation's seed.
/// </summary>
public sealed class ShufflePreprocessor : ControlNetPreprocessor
{
    private const int CellSize = 256;

    public override string Name => "shuffle";
    public override PreprocessorSlider Resolution { get; } = new("Resolution", 0, 1, 512, Shown: false);

    public override RgbImage Apply(RgbImage image, PreprocessorSettings settings)
    {
        var resized = PaddedResize.Of(image, settings.Resolution);
        var source = resized.RemovePad(resized.Padded);
        int h = source.Height, w = source.Width;
        var random = new NumpyRandomState(settings.Seed);
        var noiseX = NoiseDisk.Make(h, w, CellSize, random);
        var noiseY = NoiseDisk.Make(h, w, CellSize, random);
        var mapX = noiseX.Select(v => (float)(v * (w - 1))).ToArray();
        var mapY = noiseY.Select(v => (float)(v * (h - 1))).ToArray();
        return OpenCvRemap.Bilinear(source, mapX, mapY, h, w);
    }
}
