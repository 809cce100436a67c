using System.Text.Json;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Generation;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Generation;

/// <summary>The engine's SD generator over the tiny SD1.5 checkpoint: image counts, seed progression, grouping independence.</summary>
[Trait("Area", "loopback")]
public sealed class StableDiffusionFrameGeneratorTests : IDisposable
{
    private readonly StableDiffusionFrameGenerator _generator;

    public StableDiffusionFrameGeneratorTests()
    {
        var path = System.IO.Path.Combine(GoldenData.Path("sd15"), "tiny-sd15.safetensors");
        _generator = new StableDiffusionFrameGenerator(StableDiffusionModel.Load(path, StableDiffusionLoadOptions.ForCheckpoint(path, Diffusion.Nn.ModuleDevice.Cpu)));
    }

    private static FrameGenerationParams Frame(long seed, int batchCount = 1, string prompt = "a fox") => new()
    {
        Prompt = prompt, NegativePrompt = "blurry", Seed = seed, Subseed = 5, SubseedStrength = 0, CfgScale = 7, Steps = 2,
        DenoisingStrength = 0.6, BatchSize = 1, BatchCount = batchCount, Width = 32, Height = 32, ResizeMode = 0, SamplerName = "Euler a",
    };

    private static Tensor Image(int shift) => ((arange(3 * 32 * 32, dtype: ScalarType.Int32) + shift) % 241).reshape(3, 32, 32).to(ScalarType.Byte);

    private IReadOnlyList<Tensor> Generate(Tensor[] images, FrameGenerationParams[] frames, Tensor?[] masks) =>
        _generator.Generate(new GenerationRequest(stack(images), frames, masks, frames.Select(_ => (IReadOnlyList<Tensor>)[]).ToList()));

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void RequestOfTwoFramesEqualsOneRequestPerFrame()
    {
        var mask = zeros(1, 32, 32, ScalarType.Byte);
        mask[.., TensorIndex.Slice(24, 32), TensorIndex.Slice(8, 24)] = tensor((byte)255); // blur 4 reaches 10 rows up
        var together = Generate([Image(0), Image(7)], [Frame(3), Frame(9, prompt: "a dog")], [null, mask]);
        var first = Generate([Image(0)], [Frame(3)], [null]);
        var second = Generate([Image(7)], [Frame(9, prompt: "a dog")], [mask]);
        Assert.True(Same(first[0], together[0]), "frame 0 depends on the request grouping");
        Assert.True(Same(second[0], together[1]), "frame 1 (inpainting) depends on the request grouping");
        Assert.True(Same(together[1][0, .., ..4, ..], Image(7)[.., ..4, ..]), "inpainting changed pixels far from the mask");
    }

    [Fact]
    public void FramesWithTheSameSettingsShareABatchWithinOneLevelOfRunningAlone()
    {
        var together = Generate([Image(0), Image(7), Image(13)], [Frame(3), Frame(4), Frame(5)], [null, null, null]);
        for (int i = 0; i < 3; i++)
        {
            var alone = Generate([Image(new[] { 0, 7, 13 }[i])], [Frame(3 + i)], [null])[0];
            int diff = (alone.to(ScalarType.Int32) - together[i].to(ScalarType.Int32)).abs().max().item<int>();
            Assert.True(diff <= 1, $"frame {i}: shared batch differs from running alone by {diff} levels");
        }
        Assert.False(Same(together[0], together[1]), "two frames with different images and seeds gave the same result");
    }

    [Fact]
    public void BatchCountGivesOneImagePerBatchWithSeedsCountingUp()
    {
        var two = Generate([Image(0)], [Frame(3, batchCount: 2)], [null])[0];
        Assert.Equal([2L, 3, 32, 32], two.shape);
        var next = Generate([Image(0)], [Frame(4)], [null])[0];
        // The two batches of one frame share a UNet batch: within one level of seed + 1 run alone, far from seed 3's image.
        int diff = (two[1].to(ScalarType.Int32) - next[0].to(ScalarType.Int32)).abs().max().item<int>();
        Assert.True(diff <= 1, $"the second image of a batch count of 2 differs from seed + 1 by {diff} levels");
        Assert.False(Same(two[0], two[1]), "both images of a batch count of 2 are the same");
        Assert.Equal("tiny-sd15", _generator.ModelName);
        Assert.Matches("^[0-9a-f]{10}$", _generator.ModelHash);
    }

    public void Dispose() => _generator.Dispose();
}
