using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Generation;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Generation;

/// <summary>The live preview: throttled, written whole (no temporary file left), fed by the SD generator's sampler steps.</summary>
[Trait("Area", "loopback")]
public sealed class LatentPreviewTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-preview-");

    private static SamplerStep Step(int index, float value) =>
        new(index, zeros(2, 4, 6, 8), 1, 1, full([2, 4, 6, 8], value));

    [Fact]
    public void WritesTheFirstStepAndThenAtMostOncePerInterval()
    {
        var preview = new LatentPreview(Path.Combine(_temp.FullName, "run", "preview.png")) { Interval = TimeSpan.FromHours(1) };
        preview.OnStep(Step(0, 0));
        var (first, mode) = ImageFile.Read(preview.Path);
        Assert.Equal(ImageMode.RGB, mode);
        Assert.Equal([3L, 6, 8], first.shape);
        Assert.Equal(127, first[0, 0, 0].item<byte>()); // a zero latent is mid grey: 0.5·255 truncated
        preview.OnStep(Step(1, 3));
        Assert.True(ImageFile.Read(preview.Path).Image.eq(first).all().item<bool>(), "a second preview within the interval was written");
        Assert.Equal(["preview.png"], Directory.GetFiles(Path.GetDirectoryName(preview.Path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void ADuePreviewReplacesTheFile()
    {
        var preview = new LatentPreview(Path.Combine(_temp.FullName, "preview.png")) { Interval = TimeSpan.Zero };
        preview.OnStep(Step(0, 0));
        preview.OnStep(Step(1, 3));
        // Latent channels of 3 mix to R = 3·(0.298+0.187-0.158-0.184) = 0.429 → (0.429·0.5+0.5)·255 = 182.2.
        Assert.Equal(182, ImageFile.Read(preview.Path).Image[0, 0, 0].item<byte>());
    }

    [Fact]
    public void StableDiffusionGeneratorFeedsThePreview()
    {
        var path = Path.Combine(GoldenData.Path("sd15"), "tiny-sd15.safetensors");
        var preview = new LatentPreview(Path.Combine(_temp.FullName, "preview.png"));
        using var generator = new StableDiffusionFrameGenerator(
            StableDiffusionModel.Load(path, StableDiffusionLoadOptions.ForCheckpoint(path, Diffusion.Nn.ModuleDevice.Cpu)), onSamplerStep: preview.OnStep);
        var frame = new FrameGenerationParams
        {
            Prompt = "a fox", NegativePrompt = "", Seed = 1, Subseed = 2, SubseedStrength = 0, ResizeMode = 0, CfgScale = 7, Steps = 2,
            DenoisingStrength = 0.6, BatchSize = 1, BatchCount = 1,
            Width = 32, Height = 32, SamplerName = "Euler a",
        };
        var image = zeros(1, 3, 32, 32, ScalarType.Byte);
        foreach (var t in generator.Generate(new GenerationRequest(image, [frame], [null], [[]]))) t.Dispose();
        Assert.Equal([3L, 4, 4], ImageFile.Read(preview.Path).Image.shape); // the latent's size, 32/8
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
