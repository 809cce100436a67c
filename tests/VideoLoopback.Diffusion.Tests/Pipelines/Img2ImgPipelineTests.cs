using System.Text.Json;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Pipelines;

/// <summary>
/// The img2img and inpainting pipelines end to end on the tiny SD1.5 checkpoints of tests/golden/sd15
/// (random weights: outputs are checked for shape, determinism, batching and the inpainting composite).
/// </summary>
[Trait("Area", "sd15")]
public class Img2ImgPipelineTests
{
    private static string Model(string name) => System.IO.Path.Combine(GoldenData.Path("sd15"), name);

    /// <summary>The tiny models' head counts come from the generator's config (CLIP hidden 8 with 2 heads).</summary>
    internal static StableDiffusionModel LoadTiny(string name)
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Model("tiny-sd15.config.json")));
        return StableDiffusionModel.Load(Model(name), new StableDiffusionLoadOptions
        {
            UnetHeads = config.RootElement.GetProperty("unet_num_heads").GetInt32(),
            ClipHeads = config.RootElement.GetProperty("clip_heads").GetInt32(),
        });
    }

    internal static Tensor TestImage(int size = 32)
    {
        var y = arange(size, dtype: ScalarType.Float32).reshape(1, size, 1);
        var x = arange(size, dtype: ScalarType.Float32).reshape(1, 1, size);
        var channels = cat([(x * 255 / size).expand(1, size, size), (y * 255 / size).expand(1, size, size), full(1, size, size, 128f)]);
        return channels.to(ScalarType.Byte);
    }

    private static Tensor SquareMask(int size, int from, int to)
    {
        var mask = zeros(size, size, ScalarType.Byte);
        mask[TensorIndex.Slice(from, to), TensorIndex.Slice(from, to)] = tensor((byte)255);
        return mask;
    }

    internal static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static int MaxDiff(Tensor a, Tensor b) => (a.to(ScalarType.Int32) - b.to(ScalarType.Int32)).abs().max().item<int>();

    private static Img2ImgParams Params(ulong seed = 1, string prompt = "a cat", int batchSize = 1) => new()
    {
        Prompt = prompt, NegativePrompt = "blurry", Seed = seed, Steps = 2, Denoising = 0.75, CfgScale = 7, Sampler = "Euler a", BatchSize = batchSize,
    };

    [Fact]
    public void DecodingInChunksGivesTheSameImages()
    {
        using var model = LoadTiny("tiny-sd15.safetensors");
        using var generator = new Generator(9);
        using var latents = randn([5, 4, 4, 4], generator: generator);
        model.DecodeChunk = 8;
        using var whole = model.DecodeLatents(latents);
        model.DecodeChunk = 2;
        using var chunked = model.DecodeLatents(latents);
        Assert.Equal([5L, 3, 32, 32], chunked.shape);
        double diff = (whole - chunked).abs().max().item<float>();
        Assert.True(diff < 1e-5, $"chunked decode differs by {diff}");
    }

    [Fact]
    public void WebUiTimestepsSamplersAndLcmRunImg2Img()
    {
        using var model = LoadTiny("tiny-sd15.safetensors");
        var pipeline = new Img2ImgPipeline(model);
        using var init = TestImage();
        foreach (var sampler in new[] { "DDIM CFG++", "PLMS", "UniPC", "LCM" })
        {
            var result = pipeline.Run([new Img2ImgFrame(init, Params() with { Sampler = sampler, Steps = 6, Denoising = 0.5 })]);
            Assert.True(result[0].shape.SequenceEqual([1L, 3, 32, 32]), $"{sampler}: image [{string.Join(",", result[0].shape)}]");
        }
    }

    [Theory]
    [InlineData("tiny-sd15.safetensors")]
    [InlineData("tiny-sd15-fp16.safetensors")]
    [InlineData("tiny-sd15-inpainting.safetensors")]
    public void Img2ImgRunsEndToEnd(string checkpoint)
    {
        using var model = LoadTiny(checkpoint);
        var pipeline = new Img2ImgPipeline(model);
        using var init = TestImage();
        var result = pipeline.Run([new Img2ImgFrame(init, Params(batchSize: 2))]);
        Assert.Single(result);
        Assert.Equal([2L, 3, 32, 32], result[0].shape);
        Assert.Equal(ScalarType.Byte, result[0].dtype);
        // Two images of a batch use seeds 1 and 2: they differ.
        Assert.False(Same(result[0][0], result[0][1]), $"{checkpoint}: batch images with different seeds are identical");
        // Same settings again: identical output (every random draw is seeded).
        var again = pipeline.Run([new Img2ImgFrame(init, Params(batchSize: 2))]);
        Assert.True(Same(result[0], again[0]), $"{checkpoint}: a repeated run differs");
    }

    [Fact]
    public void DecodedImagesAreFiniteBeforeQuantisation()
    {
        using var model = LoadTiny("tiny-sd15-fp16.safetensors");
        using var init = TestImage();
        var latent = model.EncodeImages(init.unsqueeze(0).to(ScalarType.Float32) / 255 * 2 - 1, [5UL]);
        Assert.True(latent.isfinite().all().item<bool>(), "fp16 checkpoint: VAE latent has non-finite values");
        var decoded = model.DecodeLatents(latent);
        Assert.Equal([1L, 3, 32, 32], decoded.shape);
        Assert.True(decoded.isfinite().all().item<bool>(), "fp16 checkpoint: decoded image has non-finite values");
    }

    /// <summary>
    /// Shared UNet batches change only the float rounding of the batched kernels: at most one uint8 level.
    /// Without sharing, a call with two frames is bit-identical to two calls.
    /// </summary>
    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 0)]
    public void BatchOfTwoFramesEqualsTwoSingleCalls(bool share, int tolerance)
    {
        using var model = LoadTiny("tiny-sd15.safetensors");
        var pipeline = new Img2ImgPipeline(model) { ShareUnetBatches = share };
        using var a = TestImage();
        using var b = a.flip(2).contiguous();
        var frames = new[] { new Img2ImgFrame(a, Params(seed: 10)), new Img2ImgFrame(b, Params(seed: 20, prompt: "a dog")) };
        var together = pipeline.Run(frames);
        var first = pipeline.Run([frames[0]]);
        var second = pipeline.Run([frames[1]]);
        Assert.True(MaxDiff(first[0], together[0]) <= tolerance, $"frame 0 (share {share}): batched differs from single by {MaxDiff(first[0], together[0])} > {tolerance}");
        Assert.True(MaxDiff(second[0], together[1]) <= tolerance, $"frame 1 (share {share}): batched differs from single by {MaxDiff(second[0], together[1])} > {tolerance}");
    }

    [Theory]
    [InlineData("tiny-sd15-inpainting.safetensors", MaskedContent.Original)]
    [InlineData("tiny-sd15.safetensors", MaskedContent.Original)]
    [InlineData("tiny-sd15.safetensors", MaskedContent.LatentNoise)]
    [InlineData("tiny-sd15.safetensors", MaskedContent.LatentNothing)]
    public void InpaintingLeavesUnmaskedPixelsUnchanged(string checkpoint, MaskedContent content)
    {
        using var model = LoadTiny(checkpoint);
        var pipeline = new Img2ImgPipeline(model);
        using var init = TestImage();
        using var mask = SquareMask(32, 12, 20);
        var parameters = Params() with { Inpaint = new InpaintSettings { MaskBlurX = 2, MaskBlurY = 2, MaskedContent = content } };
        var result = pipeline.Run([new Img2ImgFrame(init, parameters, mask)])[0][0];

        // Where the blurred mask is 0 the original comes back exactly; in the square's centre the generated image shows.
        var blurred = InpaintMasks.Prepare(mask, InpaintMaskMode.InpaintMasked, 2, 2);
        var untouched = blurred.eq(0).unsqueeze(0).expand(3, -1, -1);
        Assert.True(untouched.any().item<bool>(), "the test mask leaves no pixel untouched");
        Assert.True(Same(result.masked_select(untouched), init.masked_select(untouched)), $"{checkpoint} {content}: unmasked pixels changed");
        Assert.False(Same(result, init), $"{checkpoint} {content}: nothing was generated in the masked area");
    }

    [Fact]
    public void InpaintNotMaskedKeepsTheMaskedSquare()
    {
        using var model = LoadTiny("tiny-sd15.safetensors");
        using var init = TestImage();
        using var mask = SquareMask(32, 8, 24);
        var parameters = Params() with { Inpaint = new InpaintSettings { MaskBlurX = 0, MaskBlurY = 0, MaskMode = InpaintMaskMode.InpaintNotMasked } };
        var result = new Img2ImgPipeline(model).Run([new Img2ImgFrame(init, parameters, mask)])[0][0];
        var square = TensorIndex.Slice(8, 24);
        Assert.True(Same(result[.., square, square], init[.., square, square]), "inpaint not masked: the painted square changed");
    }

    public static TheoryData<string, Func<Img2ImgParams, Img2ImgParams>, string> BadValues() => new()
    {
        { "steps 0", p => p with { Steps = 0 }, "steps" },
        { "denoising 1.5", p => p with { Denoising = 1.5 }, "denoising" },
        { "denoising -0.1", p => p with { Denoising = -0.1 }, "denoising" },
        { "unknown sampler", p => p with { Sampler = "Euler z" }, "unknown sampler 'Euler z'" },
        { "unknown scheduler", p => p with { Scheduler = "wobbly" }, "unknown scheduler 'wobbly'" },
        { "batch size 0", p => p with { BatchSize = 0 }, "batch size" },
        { "subseed strength 2", p => p with { SubseedStrength = 2 }, "subseed strength" },
        { "clip skip 9", p => p with { ClipSkip = 9 }, "clip skip" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void BadValuesFailBeforeAnyWork(string what, Func<Img2ImgParams, Img2ImgParams> change, string expected)
    {
        using var model = LoadTiny("tiny-sd15.safetensors");
        var pipeline = new Img2ImgPipeline(model);
        using var init = TestImage();
        // The bad frame comes second: the good first frame must not have been generated (no prompt encoded).
        var error = Assert.ThrowsAny<ArgumentException>(() => pipeline.Run([new Img2ImgFrame(init, Params()), new Img2ImgFrame(init, change(Params()))]));
        Assert.Contains(expected, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("frame 1", error.Message);
        Assert.Equal(0, model.Conditioner(1).EncodedTextCount);
        _ = what;
    }

    [Fact]
    public void MaskOfTheWrongSizeIsRefused()
    {
        using var model = LoadTiny("tiny-sd15.safetensors");
        using var init = TestImage();
        using var mask = zeros(16, 32, ScalarType.Byte);
        var error = Assert.Throws<ArgumentException>(() => new Img2ImgPipeline(model).Run([new Img2ImgFrame(init, Params(), mask)]));
        Assert.Contains("mask must be uint8 [H,W] of the image size 32x32", error.Message);
    }

    [Fact]
    public void ImageSizeNotAMultipleOfEightIsRefused()
    {
        using var model = LoadTiny("tiny-sd15.safetensors");
        using var init = zeros(3, 30, 32, ScalarType.Byte);
        var error = Assert.Throws<ArgumentException>(() => new Img2ImgPipeline(model).Run([new Img2ImgFrame(init, Params())]));
        Assert.Contains("multiple of 8", error.Message);
    }

    [Fact]
    public void MissingCheckpointIsRefused()
    {
        var error = Assert.Throws<FileNotFoundException>(() => StableDiffusionModel.Load("/nonexistent/model.safetensors"));
        Assert.Contains("/nonexistent/model.safetensors", error.Message);
    }
}
