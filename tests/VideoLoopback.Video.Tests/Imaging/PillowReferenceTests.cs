using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Imaging;

/// <summary>
/// WebUI's inpainting pixel operations against Pillow 9.4.0's own output (Imaging/PillowReference, see its README):
/// the PIL-exact versions bit for bit; the pipeline's torch defaults within the stated tolerance.
/// </summary>
[Trait("Area", "sampling")]
public class PillowReferenceTests
{
    private static Tensor Read(string file) => ImageFile.Read(Path.Combine(AppContext.BaseDirectory, "Imaging", "PillowReference", file)).Image;

    private static Tensor Mask => Read("mask.png")[0];

    [Fact]
    public void AlphaCompositeMatchesPillow() =>
        ImageAssert.Equal(Read("alpha_composite.png"), ImageMode.RGBA, ImageBlend.AlphaComposite(Read("dst_rgba.png"), Read("src_rgba.png")), "alpha_composite");

    [Fact]
    public void MaskedFillMatchesPillow() =>
        ImageAssert.Equal(Read("fill.png"), ImageMode.RGB, WebUiMaskedFill.Apply(Read("image.png"), Mask), "masking.fill");

    [Fact]
    public void OverlayMatchesPillow() =>
        ImageAssert.Equal(Read("overlay.png"), ImageMode.RGB, WebUiOverlay.Apply(Read("image.png"), Read("generated.png"), Mask), "inpaint overlay");

    /// <summary>The float fill (no PIL rounding between passes) stays within 3 levels of Pillow's.</summary>
    [Fact]
    public void TorchMaskedFillIsCloseToPillow()
    {
        int worst = MaxDiff(MaskedFill.Approximate(Read("image.png"), Mask), Read("fill.png"));
        Assert.True(worst <= 3, $"MaskedFill.Approximate differs from Pillow's masking.fill by {worst} > 3 levels");
    }

    /// <summary>The default overlay (one rounded blend, no RGBa round trip) stays within 1 level of Pillow's.</summary>
    [Fact]
    public void DefaultOverlayIsCloseToPillow()
    {
        int worst = MaxDiff(InpaintMasks.CompositeUnmasked(Read("image.png"), Read("generated.png"), Mask), Read("overlay.png"));
        Assert.True(worst <= 1, $"InpaintMasks.CompositeUnmasked differs from Pillow's overlay by {worst} > 1 level");
    }

    /// <summary>
    /// A uniform image with a hole: unmasked pixels stay exactly, the hole takes the image's colour up to the rounding of
    /// the RGBa round trips (Pillow itself gives 198..202 / 74..79 for this input).
    /// </summary>
    [Fact]
    public void MaskedFillLeavesUnmaskedPixelsAndFillsAHoleWithTheSurroundingColour()
    {
        using var image = full(3, 24, 32, (byte)77, ScalarType.Byte);
        image[0] = tensor((byte)200);
        var mask = zeros(24, 32, ScalarType.Byte);
        mask[6..18, 8..24] = tensor((byte)255);
        var filled = WebUiMaskedFill.Apply(image, mask);
        var unmasked = mask.eq(0).expand(3, -1, -1);
        Assert.True(filled.masked_select(unmasked).eq(image.masked_select(unmasked)).all().item<bool>(), "masking.fill changed unmasked pixels");
        Assert.True(MaxDiff(filled, image) <= 3, $"the hole is not filled with the surrounding colour: off by {MaxDiff(filled, image)} > 3 levels");
    }

    private static int MaxDiff(Tensor a, Tensor b) => (a.to(ScalarType.Int32) - b.to(ScalarType.Int32)).abs().max().item<int>();
}
