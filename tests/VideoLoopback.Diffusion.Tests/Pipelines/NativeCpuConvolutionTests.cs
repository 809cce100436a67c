using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Pipelines;

/// <summary>The UNet on libtorch's native CPU convolutions (as the CLI runs it) gives the oneDNN run's images.</summary>
[Trait("Area", "sd15")]
[Collection(LibTorchSwitchCollection.Name)]
public class NativeCpuConvolutionTests
{
    [Fact]
    public void NativeConvolutionsGiveTheSameImagesWithinOneLevel()
    {
        using var model = Img2ImgPipelineTests.LoadTiny("tiny-sd15.safetensors");
        using var init = Img2ImgPipelineTests.TestImage();
        var settings = new Img2ImgParams { Prompt = "a cat", NegativePrompt = "blurry", Seed = 4, Steps = 3, Denoising = 0.7, Sampler = "Euler a" };
        using var oneDnn = new Img2ImgPipeline(model).Run([new Img2ImgFrame(init, settings)])[0];
        model.NativeCpuConvolutions = true;
        using var native = new Img2ImgPipeline(model).Run([new Img2ImgFrame(init, settings)])[0];
        int diff = (oneDnn.to(ScalarType.Int32) - native.to(ScalarType.Int32)).abs().max().item<int>();
        Assert.True(diff <= 1, $"native convolutions changed the image by {diff} levels");
    }
}
