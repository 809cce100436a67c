using VideoLoopback.Diffusion.ControlNet;
using VideoLoopback.Diffusion.ControlNet.Preprocessors;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Generation;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Generation;

/// <summary>
/// A unit with a module hands the ControlNet the preprocessed map: the tiny SD1.5 checkpoint with the tiny ControlNet gives the same
/// image for (raw frame, module=canny) as for (the Canny map, no module), and a different one for the raw frame without a module.
/// </summary>
[Trait("Area", "adapters")]
public sealed class ControlNetPreprocessingGeneratorTests
{
    private static readonly FrameGenerationParams Frame = new()
    {
        Prompt = "a fox", NegativePrompt = "blurry", Seed = 3, Subseed = 5, SubseedStrength = 0, CfgScale = 7, Steps = 2,
        DenoisingStrength = 0.6, BatchSize = 1, BatchCount = 1, Width = 64, Height = 64, ResizeMode = 0, SamplerName = "Euler a",
    };

    private static Tensor Generate(Tensor controlImage, UnitPreprocessing? preprocessing)
    {
        var checkpoint = GoldenData.Path("sd15", "tiny-sd15.safetensors");
        var model = StableDiffusionModel.Load(checkpoint, StableDiffusionLoadOptions.ForCheckpoint(checkpoint, ModuleDevice.Cpu));
        var network = ControlNetModel.Load(GoldenData.Path("adapters", "controlnet", "tiny_controlnet_A.safetensors"), model.Unet.Config,
            ModuleDevice.Cpu);
        var unit = new LoadedControlNet(network, 1.0, 0, 1, ControlMode.Balanced, HintResizeMode.CropAndResize, preprocessing);
        using var generator = new StableDiffusionFrameGenerator(model, new GeneratorAdapters([unit], null, []));
        var init = ((arange(3 * 64 * 64, dtype: ScalarType.Int32) * 7) % 251).reshape(1, 3, 64, 64).to(ScalarType.Byte);
        return generator.Generate(new GenerationRequest(init, [Frame], [null], [[controlImage]]))[0];
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void CannyUnitFeedsTheCannyMapNotTheFrame()
    {
        var (frame, _) = ImageFile.Read(GoldenData.Path("adapters", "preprocessors", "inputs", "drawing_71x97.png"));
        var canny = PreprocessorRegistry.Get("canny");
        var map = canny.Apply(RgbImage.FromChw(frame), canny.Settings(null, null, null)).ToChw();

        var withModule = Generate(frame, new UnitPreprocessing(canny, null, null, null));
        var fromMap = Generate(map, null);
        var fromFrame = Generate(frame, null);

        Assert.True(Same(withModule, fromMap), "module=canny did not give the image the Canny map gives");
        Assert.False(Same(withModule, fromFrame), "module=canny gave the same image as the raw frame");
    }
}
