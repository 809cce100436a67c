using VideoLoopback.Diffusion.Pipelines;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sampling;

/// <summary>Inpainting mask arithmetic, proven directly (no golden data exists for it).</summary>
public class InpaintMaskTests
{
    private static Tensor Box(int height, int width, int x1, int y1, int x2, int y2)
    {
        var mask = zeros([height, width], ScalarType.Byte);
        mask[TensorIndex.Slice(y1, y2), TensorIndex.Slice(x1, x2)] = tensor((byte)255);
        return mask;
    }

    [Fact]
    public void CropRegionIsTheBoundingBoxPlusPaddingClippedToTheImage()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(new CropRegion(10, 5, 20, 9), CropRegion.FromMask(Box(40, 30, 10, 5, 20, 9), 0));
        Assert.Equal(new CropRegion(6, 1, 24, 13), CropRegion.FromMask(Box(40, 30, 10, 5, 20, 9), 4));
        Assert.Equal(new CropRegion(0, 0, 30, 40), CropRegion.FromMask(Box(40, 30, 10, 5, 20, 9), 100));
        Assert.Null(CropRegion.FromMask(zeros([8, 8], ScalarType.Byte), 4));
    }

    [Fact]
    public void ExpandGrowsTheShortSideToTheProcessingAspect()
    {
        // WebUI's own example: a 128x32 region processed at 512x512 becomes 128x128.
        var region = new CropRegion(100, 100, 228, 132).ExpandToAspect(512, 512, 512, 512);
        Assert.Equal(new CropRegion(100, 52, 228, 180), region);
        // Near the bottom edge the grown region is shifted back inside the image.
        Assert.Equal(new CropRegion(100, 384, 228, 512), new CropRegion(100, 480, 228, 512).ExpandToAspect(512, 512, 512, 512));
        // A tall region grows in width: 32x128 at 768x512 (ratio 1.5) → 192 wide.
        Assert.Equal(new CropRegion(0, 10, 192, 138), new CropRegion(20, 10, 52, 138).ExpandToAspect(768, 512, 640, 480));
    }

    [Fact]
    public void MaskModeNotMaskedInvertsBeforeTheBlur()
    {
        using var scope = NewDisposeScope();
        var mask = Box(6, 6, 1, 1, 3, 3);
        var inverted = InpaintMasks.Prepare(mask, InpaintMaskMode.InpaintNotMasked, 0, 0);
        Assert.True((inverted.to_type(ScalarType.Int32) + mask.to_type(ScalarType.Int32)).eq(255).all().item<bool>());
        Assert.True(InpaintMasks.Prepare(mask, InpaintMaskMode.InpaintMasked, 0, 0).equal(mask).all().item<bool>());
    }

    [Fact]
    public void LatentMasksRoundAndSplitIntoKeepAndRepaint()
    {
        using var scope = NewDisposeScope();
        var mask = tensor(new byte[] { 0, 100, 128, 255 }, [2, 2]);
        var (keep, repaint) = InpaintMasks.LatentMasks(mask);
        Assert.Equal([1L, 4, 2, 2], repaint.shape);
        Assert.Equal([0f, 0f, 1f, 1f], repaint[0, 3].flatten().data<float>().ToArray());
        Assert.Equal([1f, 1f, 0f, 0f], keep[0, 0].flatten().data<float>().ToArray());
    }

    [Fact]
    public void EachMaskedContentModeGivesTheDocumentedInitialLatent()
    {
        using var scope = NewDisposeScope();
        var init = full([1, 4, 2, 2], 3f);
        var noise = full([1, 4, 2, 2], -7f);
        var (keep, repaint) = InpaintMasks.LatentMasks(tensor(new byte[] { 0, 255, 255, 0 }, [2, 2]));
        float[] Values(MaskedContent c) => InpaintMasks.InitialLatent(c, init, keep, repaint, noise)[0, 0].flatten().data<float>().ToArray();
        Assert.Equal([3f, 3f, 3f, 3f], Values(MaskedContent.Original));
        Assert.Equal([3f, 3f, 3f, 3f], Values(MaskedContent.Fill));
        Assert.Equal([3f, -7f, -7f, 3f], Values(MaskedContent.LatentNoise));
        Assert.Equal([3f, 0f, 0f, 3f], Values(MaskedContent.LatentNothing));
    }

    [Fact]
    public void CompositeLeavesUnmaskedPixelsUnchanged()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(5);
        var original = randint(0, 256, [3, 16, 20], dtype: ScalarType.Byte, generator: generator);
        var generated = randint(0, 256, [3, 16, 20], dtype: ScalarType.Byte, generator: generator);
        var mask = InpaintMasks.Prepare(Box(16, 20, 4, 2, 16, 14), InpaintMaskMode.InpaintMasked, 1, 1);
        var result = InpaintMasks.CompositeUnmasked(original, generated, mask);
        var unmasked = mask.eq(0).unsqueeze(0).expand(3, -1, -1);
        var fully = mask.eq(255).unsqueeze(0).expand(3, -1, -1);
        Assert.True(unmasked.any().item<bool>() && fully.any().item<bool>());
        Assert.True(result.masked_select(unmasked).equal(original.masked_select(unmasked)).all().item<bool>(), "an unmasked pixel changed");
        Assert.True(result.masked_select(fully).equal(generated.masked_select(fully)).all().item<bool>(), "a fully masked pixel is not the generated one");
    }

    [Fact]
    public void CompositeRejectsAMaskOfTheWrongSize()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => InpaintMasks.CompositeUnmasked(zeros([3, 8, 8], ScalarType.Byte), zeros([3, 8, 8], ScalarType.Byte), zeros([4, 8], ScalarType.Byte)));
        Assert.Contains("does not match the image size", e.Message);
    }
}
