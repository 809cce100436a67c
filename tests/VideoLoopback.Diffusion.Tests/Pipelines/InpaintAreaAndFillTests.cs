using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;
using static VideoLoopback.Diffusion.Tests.Pipelines.Img2ImgPipelineTests;

namespace VideoLoopback.Diffusion.Tests.Pipelines;

/// <summary>
/// Inpaint area "only masked" and masked content "fill" (WebUI's StableDiffusionProcessingImg2Img.init), proven
/// directly on the tiny SD1.5 checkpoints with the PIL-exact image operations (no golden exists for them).
/// </summary>
[Trait("Area", "sd15")]
public class InpaintAreaAndFillTests
{
    private const int Processing = 32;

    /// <summary>A non-square gradient init image uint8 [3,height,width].</summary>
    private static Tensor Gradient(int width, int height)
    {
        var y = arange(height, dtype: ScalarType.Float32).reshape(1, height, 1).expand(1, height, width);
        var x = arange(width, dtype: ScalarType.Float32).reshape(1, 1, width).expand(1, height, width);
        return cat([x * 255 / width, y * 255 / height, (x + y) * 2 % 256]).to(ScalarType.Byte);
    }

    private static Tensor Box(int width, int height, int x1, int y1, int x2, int y2)
    {
        var mask = zeros(height, width, ScalarType.Byte);
        mask[y1..y2, x1..x2] = tensor((byte)255);
        return mask;
    }

    private static Img2ImgPipeline Pil(StableDiffusionModel model, OverlayComposite? overlay = null, Action<SamplerStep>? callback = null) => new(model)
    {
        MaskResize = PilImg2ImgOperations.MaskResize,
        ImageResize = PilImg2ImgOperations.Resize,
        MaskedFill = PilImg2ImgOperations.MaskedFill,
        Overlay = overlay ?? PilImg2ImgOperations.Overlay,
        Callback = callback,
    };

    private static Img2ImgParams Settings(InpaintArea area, MaskedContent content = MaskedContent.Original, int blur = 4, int padding = 32) => new()
    {
        Prompt = "a cat", NegativePrompt = "blurry", Seed = 3, Steps = 2, Denoising = 0.75, Sampler = "Euler a",
        Width = Processing, Height = Processing,
        Inpaint = new InpaintSettings { Area = area, MaskedContent = content, MaskBlurX = blur, MaskBlurY = blur, OnlyMaskedPadding = padding },
    };

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static int MaxDiff(Tensor a, Tensor b) => (a.to(ScalarType.Int32) - b.to(ScalarType.Int32)).abs().max().item<int>();

    [Fact]
    public void OnlyMaskedKeepsTheImageSizeAndEveryPixelOutsideThePaddedCropRegion()
    {
        using var model = LoadTiny("tiny-sd15.safetensors");
        using var init = Gradient(72, 56);
        using var mask = Box(72, 56, 40, 30, 50, 38);
        var result = Pil(model).Run([new Img2ImgFrame(init, Settings(InpaintArea.OnlyMasked, padding: 4), mask)])[0];
        Assert.Equal([1L, 3, 56, 72], result.shape);

        var region = OnlyMaskedCrop.Find(InpaintMasks.Prepare(mask, InpaintMaskMode.InpaintMasked, 4, 4), 4, Processing, Processing)!.Region;
        var outside = ones(56, 72, ScalarType.Bool);
        outside[region.Y1..region.Y2, region.X1..region.X2] = tensor(false);
        Assert.True(outside.any().item<bool>(), $"the crop region {region} covers the whole test image");
        var outside3 = outside.expand(3, -1, -1);
        Assert.True(Same(result[0].masked_select(outside3), init.masked_select(outside3)), $"pixels outside the crop region {region} changed");
        var core = TensorIndex.Slice(32, 36);
        Assert.False(Same(result[0][.., core, TensorIndex.Slice(43, 47)], init[.., core, TensorIndex.Slice(43, 47)]), "nothing was generated under the mask");
    }

    /// <summary>With the inpainting checkpoint this also shows its conditioning (mask and masked image) comes from the crop.</summary>
    [Theory]
    [InlineData("tiny-sd15.safetensors")]
    [InlineData("tiny-sd15-inpainting.safetensors")]
    public void OnlyMaskedGeneratesTheCropAtTheProcessingSizeAndPastesItBack(string checkpoint)
    {
        using var model = LoadTiny(checkpoint);
        using var init = Gradient(72, 56);
        using var mask = Box(72, 56, 40, 30, 50, 38);
        var latentShapes = new List<long[]>();
        OverlayComposite generatedOnly = (_, generated, _) => generated.clone();
        // Blur 0: the crop's mask at the processing size is then exactly what the pipeline generates from.
        var onlyMasked = Pil(model, generatedOnly, step => latentShapes.Add(step.X.shape))
            .Run([new Img2ImgFrame(init, Settings(InpaintArea.OnlyMasked, blur: 0, padding: 6), mask)])[0][0];
        Assert.NotEmpty(latentShapes);
        Assert.All(latentShapes, shape => Assert.Equal([1L, 4, Processing / 8, Processing / 8], shape));

        // The same generation by hand: cut the region, resize it (mode 2) to the processing size, inpaint it whole.
        var region = OnlyMaskedCrop.Find(mask, 6, Processing, Processing)!.Region;
        Tensor Cut(Tensor image) => WebUiResize.Resize(image[.., region.Y1..region.Y2, region.X1..region.X2].contiguous(),
            WebUiResizeMode.ResizeAndFill, Processing, Processing);
        var cropInit = Cut(init);
        var cropMask = Cut(mask.unsqueeze(0))[0];
        var whole = Pil(model, generatedOnly).Run([new Img2ImgFrame(cropInit, Settings(InpaintArea.WholePicture, blur: 0), cropMask)])[0][0];
        var expected = init.clone();
        expected[.., region.Y1..region.Y2, region.X1..region.X2] = WebUiResize.Resize(whole, WebUiResizeMode.CropAndResize, region.Width, region.Height);
        Assert.True(Same(onlyMasked, expected), $"{checkpoint}: only masked differs from the crop generated by hand and pasted into {region} by {MaxDiff(onlyMasked, expected)}");
    }

    [Fact]
    public void OnlyMaskedOverlayUsesTheBlurredMaskNotDoubled()
    {
        using var model = LoadTiny("tiny-sd15.safetensors");
        using var init = Gradient(64, 48);
        using var mask = Box(64, 48, 24, 16, 40, 32);
        Tensor? seenMask = null;
        OverlayComposite spy = (original, generated, overlayMask) => { seenMask = overlayMask.clone().DetachFromDisposeScope(); return generated.clone(); };
        Pil(model, spy).Run([new Img2ImgFrame(init, Settings(InpaintArea.OnlyMasked), mask)]);
        var blurred = InpaintMasks.Prepare(mask, InpaintMaskMode.InpaintMasked, 4, 4);
        Assert.NotNull(seenMask);
        Assert.True(Same(seenMask!, blurred), "only masked: the overlay mask is not the full-size blurred mask");
    }

    [Fact]
    public void OnlyMaskedWithABlankMaskIsPlainImg2Img()
    {
        using var model = LoadTiny("tiny-sd15.safetensors");
        using var init = Gradient(48, 40);
        using var blank = zeros(40, 48, ScalarType.Byte);
        var pipeline = Pil(model);
        var settings = Settings(InpaintArea.OnlyMasked, MaskedContent.Fill);
        var inpainted = pipeline.Run([new Img2ImgFrame(init, settings, blank)])[0];
        var img2img = pipeline.Run([new Img2ImgFrame(init, settings)])[0];
        Assert.Equal([1L, 3, Processing, Processing], inpainted.shape);
        Assert.True(Same(inpainted, img2img), $"a blank mask with only masked differs from img2img by {MaxDiff(inpainted, img2img)}");
    }

    [Fact]
    public void FramesWithDifferentCropRegionsDoNotShareAUnetBatch()
    {
        using var model = LoadTiny("tiny-sd15.safetensors");
        using var init = Gradient(64, 48);
        using var left = Box(64, 48, 4, 8, 12, 16);
        using var right = Box(64, 48, 44, 28, 60, 40);
        var batchSizes = new List<long>();
        var pipeline = Pil(model, callback: step => batchSizes.Add(step.X.shape[0]));
        var settings = Settings(InpaintArea.OnlyMasked, padding: 0);
        var together = pipeline.Run([new Img2ImgFrame(init, settings, left), new Img2ImgFrame(init, settings with { Seed = 9 }, right)]);
        Assert.All(batchSizes, size => Assert.Equal(1L, size));
        batchSizes.Clear();
        pipeline.Run([new Img2ImgFrame(init, settings, left), new Img2ImgFrame(init, settings with { Seed = 9 }, left)]);
        Assert.Contains(2L, batchSizes); // the same crop does share a batch
        var alone = pipeline.Run([new Img2ImgFrame(init, settings with { Seed = 9 }, right)]);
        Assert.True(Same(together[1], alone[0]), "a frame's only-masked result depends on the other frame of the call");
    }

    [Fact]
    public void FillChangesTheEncodedPixelsOnlyUnderTheMask()
    {
        using var init = Gradient(32, 32);
        using var mask = Box(32, 32, 10, 8, 22, 20);
        var blurred = InpaintMasks.Prepare(mask, InpaintMaskMode.InpaintMasked, 1, 1);
        foreach (MaskedFillOperation fill in new MaskedFillOperation[] { PilImg2ImgOperations.MaskedFill, MaskedFill.Approximate })
        {
            Img2ImgInput Build(MaskedContent content, InpaintArea area) => Img2ImgInput.Build(init, blurred,
                new InpaintSettings { MaskedContent = content, Area = area, OnlyMaskedPadding = 2 }, Processing, Processing,
                WebUiResizeMode.JustResize, PilImg2ImgOperations.Resize, fill);
            foreach (var area in new[] { InpaintArea.WholePicture, InpaintArea.OnlyMasked })
            {
                using var original = Build(MaskedContent.Original, area);
                Assert.Equal(area == InpaintArea.OnlyMasked, original.Crop is not null);
                using var filled = Build(MaskedContent.Fill, area);
                var unmasked = original.Mask!.eq(0).expand(3, -1, -1);
                Assert.True(unmasked.any().item<bool>(), $"{area}: the test mask covers everything");
                Assert.True(Same(filled.Pixels.masked_select(unmasked), original.Pixels.masked_select(unmasked)), $"{area}: fill changed unmasked pixels");
                Assert.False(Same(filled.Pixels, original.Pixels), $"{area}: fill changed nothing");
                // WebUI fills for latent noise and latent nothing too; only "original" encodes the image as it is.
                using var noise = Build(MaskedContent.LatentNoise, area);
                Assert.True(Same(noise.Pixels, filled.Pixels), $"{area}: latent noise does not start from the filled pixels");
            }
        }
    }

    [Fact]
    public void FillOfAUniformImageWithAHoleGivesItsColour()
    {
        using var init = full(3, 32, 32, (byte)90, ScalarType.Byte);
        init[2] = tensor((byte)180);
        using var mask = Box(32, 32, 8, 8, 24, 24);
        using var input = Img2ImgInput.Build(init, mask, new InpaintSettings { MaskedContent = MaskedContent.Fill }, Processing, Processing,
            WebUiResizeMode.JustResize, PilImg2ImgOperations.Resize, PilImg2ImgOperations.MaskedFill);
        // Pillow's RGBa round trips (truncating un-premultiply) leave a few levels: Pillow 9.4.0 itself gives 87..91 and
        // 177..185 for this input, and the PIL-exact fill matches Pillow bit for bit (Imaging/PillowReference, Video tests).
        Assert.True(MaxDiff(input.Pixels, init) <= 5, $"the hole is not filled with the image's colour: off by {MaxDiff(input.Pixels, init)}");
    }

    [Fact]
    public void FillLatentDiffersFromOriginalMostUnderTheMask()
    {
        using var model = LoadTiny("tiny-sd15.safetensors");
        using var init = Gradient(64, 64);
        using var mask = Box(64, 64, 0, 0, 24, 24);
        var settings = new InpaintSettings { MaskBlurX = 0, MaskBlurY = 0 };
        Tensor Latent(MaskedContent content)
        {
            using var input = Img2ImgInput.Build(init, mask, settings with { MaskedContent = content }, 64, 64, WebUiResizeMode.JustResize,
                PilImg2ImgOperations.Resize, PilImg2ImgOperations.MaskedFill);
            return model.EncodeImages(input.Pixels.unsqueeze(0).to(ScalarType.Float32) / 255 * 2 - 1, [7UL]);
        }
        var difference = (Latent(MaskedContent.Fill) - Latent(MaskedContent.Original)).abs().mean([0, 1]); // [8,8]
        // Not "only under the mask": the encoder's group norms and attention carry any pixel change over the whole
        // latent. The masked cells change most.
        float under = difference[..3, ..3].mean().item<float>(), far = difference[5.., 5..].mean().item<float>();
        Assert.True(under > 0, "fill left the latent unchanged");
        Assert.True(under > far, $"the latent change is not concentrated under the mask: {under} under it, {far} far from it");
    }

    [Theory]
    [InlineData("tiny-sd15.safetensors", InpaintArea.OnlyMasked, MaskedContent.Fill)]
    [InlineData("tiny-sd15.safetensors", InpaintArea.WholePicture, MaskedContent.Fill)]
    [InlineData("tiny-sd15-fp16.safetensors", InpaintArea.OnlyMasked, MaskedContent.Fill)]
    [InlineData("tiny-sd15-inpainting.safetensors", InpaintArea.OnlyMasked, MaskedContent.Fill)]
    [InlineData("tiny-sd15-inpainting.safetensors", InpaintArea.WholePicture, MaskedContent.Fill)]
    [InlineData("tiny-sd15-inpainting.safetensors", InpaintArea.OnlyMasked, MaskedContent.Original)]
    public void RunsEndToEndWithFiniteOutput(string checkpoint, InpaintArea area, MaskedContent content)
    {
        using var model = LoadTiny(checkpoint);
        using var init = Gradient(48, 40);
        using var mask = Box(48, 40, 16, 12, 30, 26);
        bool finite = true;
        var pipeline = Pil(model, callback: step => finite &= step.X.isfinite().all().item<bool>() && step.Denoised.isfinite().all().item<bool>());
        var result = pipeline.Run([new Img2ImgFrame(init, Settings(area, content) with { BatchSize = 2 }, mask)])[0];
        Assert.True(finite, $"{checkpoint} {area} {content}: non-finite latents");
        long[] size = area == InpaintArea.OnlyMasked ? [2, 3, 40, 48] : [2, 3, Processing, Processing];
        Assert.Equal(size, result.shape);
        if (area == InpaintArea.OnlyMasked)
        {
            var untouched = InpaintMasks.Prepare(mask, InpaintMaskMode.InpaintMasked, 4, 4).eq(0).expand(3, -1, -1);
            for (int i = 0; i < 2; i++)
                Assert.True(Same(result[i].masked_select(untouched), init.masked_select(untouched)), $"{checkpoint} {content} image {i}: unmasked pixels changed");
        }
    }

    /// <summary>WebUI's create_binary_mask converts a non-RGBA mask to 'L' and thresholds nothing: grey levels reach the blur.</summary>
    [Fact]
    public void GreyLevelsOfAnLMaskAreNotThresholdedBeforeTheBlur()
    {
        using var mask = tensor(new byte[] { 0, 60, 128, 129, 200, 255 }, [2, 3]);
        Assert.True(Same(InpaintMasks.Prepare(mask, InpaintMaskMode.InpaintMasked, 0, 0), mask), "the mask's grey levels were changed before the blur");
    }

    [Fact]
    public void NegativePaddingIsRefusedBeforeAnyWork()
    {
        using var model = LoadTiny("tiny-sd15.safetensors");
        using var init = Gradient(32, 32);
        using var mask = Box(32, 32, 8, 8, 16, 16);
        var good = new Img2ImgFrame(init, Settings(InpaintArea.OnlyMasked), mask);
        var bad = new Img2ImgFrame(init, Settings(InpaintArea.OnlyMasked, padding: -4), mask);
        var error = Assert.ThrowsAny<ArgumentException>(() => Pil(model).Run([good, bad]));
        Assert.Contains("frame 1", error.Message);
        Assert.Contains("only masked padding must be ≥ 0", error.Message);
        Assert.Equal(0, model.Conditioner(1).EncodedTextCount);
    }

    [Fact]
    public void ProcessingSizeNotAMultipleOfEightIsRefused()
    {
        using var model = LoadTiny("tiny-sd15.safetensors");
        using var init = Gradient(32, 32);
        var error = Assert.ThrowsAny<ArgumentException>(() => Pil(model).Run([new Img2ImgFrame(init, Settings(InpaintArea.WholePicture) with { Width = 36 })]));
        Assert.Contains("width must be a positive multiple of 8", error.Message);
    }
}
