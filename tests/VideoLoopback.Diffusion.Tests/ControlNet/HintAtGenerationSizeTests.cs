using VideoLoopback.Diffusion.ControlNet;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.ControlNet;

/// <summary>
/// Control images already at the generation size skip the host: for every resize mode, grey and RGB, with many colours
/// (bicubic), few (nearest), two colours that are not black and white, the control equals the host path's bit for bit (the
/// detected map made by the OpenCV-exact resizers, then / 255); black/white two-colour maps still take the host path and are
/// binarised as before.
/// </summary>
[Trait("Area", "adapters")]
public class HintAtGenerationSizeTests
{
    /// <summary>The host path: the detected map as the extension makes it, scaled to [0,1].</summary>
    private static Tensor HostControl(Tensor image, int h, int w, HintResizeMode mode)
    {
        using var hwc = tensor(HintImage.DetectedMap(image, h, w, mode), [h, w, 3], ScalarType.Byte);
        using var chw = hwc.permute(2, 0, 1).unsqueeze(0).to(ScalarType.Float32);
        return chw / 255.0;
    }

    public static TheoryData<string> Images() => ["many colours rgb", "many colours grey", "few colours", "two grey levels", "black and white", "black and white grey"];

    private static Tensor Image(string name, int h, int w)
    {
        using var g = new Generator(7);
        return name switch
        {
            "many colours rgb" => randint(0, 256, [3, h, w], ScalarType.Byte, generator: g),
            "many colours grey" => randint(0, 256, [1, h, w], ScalarType.Byte, generator: g),
            "few colours" => (randint(0, 5, [3, h, w], ScalarType.Byte, generator: g) * 60).to(ScalarType.Byte),
            "two grey levels" => (randint(0, 2, [1, h, w], ScalarType.Byte, generator: g) * 50 + 100).to(ScalarType.Byte).expand(3, -1, -1).contiguous(),
            "black and white" => (randint(0, 2, [1, h, w], ScalarType.Byte, generator: g) * 255).to(ScalarType.Byte).expand(3, -1, -1).contiguous(),
            "black and white grey" => (randint(0, 2, [1, h, w], ScalarType.Byte, generator: g) * 250).to(ScalarType.Byte),
            _ => throw new ArgumentException(name),
        };
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void SameAsTheHostPathInEveryMode(string name)
    {
        const int h = 24, w = 40;
        using var scope = NewDisposeScope();
        var image = Image(name, h, w);
        foreach (var mode in Enum.GetValues<HintResizeMode>())
        {
            var control = HintImage.ToControl(image, h, w, mode);
            var expected = HostControl(image, h, w, mode);
            Assert.Equal(expected.shape, control.shape);
            Assert.Equal(ScalarType.Float32, control.dtype);
            long differing = control.ne(expected).sum().item<long>();
            Assert.True(differing == 0, $"{name}, {mode}: {differing} control values differ from the host path's");
        }
    }

    [Fact]
    public void BlackAndWhiteMapIsStillBinarised()
    {
        // Two colours, 0 and 250: binarising makes the 250s 255, which keeping the pixels would not.
        using var scope = NewDisposeScope();
        using var g = new Generator(3);
        var image = (randint(0, 2, [3, 16, 16], ScalarType.Byte, generator: g).narrow(0, 0, 1).expand(3, -1, -1) * 250).to(ScalarType.Byte).contiguous();
        var control = HintImage.ToControl(image, 16, 16, HintResizeMode.JustResize);
        Assert.True(control.eq(HostControl(image, 16, 16, HintResizeMode.JustResize)).all().item<bool>(), "differs from the host path");
        Assert.Equal(1.0f, control.max().item<float>());
    }
}
