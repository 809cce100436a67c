using TorchSharp;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Imaging;

/// <summary>Hand-computed values of Pillow's formulas, and shape handling the golden cases do not reach.</summary>
public class ImageOpsTests
{
    private static Tensor Pixel(params byte[] channels) => torch.tensor(channels, ScalarType.Byte).reshape(channels.Length, 1, 1);

    [Theory]
    [InlineData(255, 0, 0, 76)]
    [InlineData(0, 255, 0, 150)]
    [InlineData(0, 0, 255, 29)]
    [InlineData(255, 255, 255, 255)]
    [InlineData(10, 20, 30, 18)]
    public void ConvertLUsesPillowFixedPoint(byte r, byte g, byte b, byte expected)
    {
        using var l = ImageConvert.ToL(Pixel(r, g, b));
        Assert.Equal([1L, 1, 1], l.shape);
        Assert.Equal(expected, l.item<byte>());
    }

    [Theory]
    [InlineData(100, 250, 1.3, 255)]
    [InlineData(200, 10, 1.3, 0)]
    [InlineData(200, 10, -0.5, 255)]
    [InlineData(10, 20, 0.25, 12)]
    [InlineData(0, 255, 0.5, 127)]
    public void BlendTruncatesAndClamps(byte a, byte b, double alpha, byte expected)
    {
        using var result = ImageBlend.Blend(Pixel(a), Pixel(b), alpha);
        Assert.Equal(expected, result.item<byte>());
    }

    [Theory]
    [InlineData(255, 0, 128, 128)]
    [InlineData(255, 0, 255, 255)]
    [InlineData(255, 0, 0, 0)]
    [InlineData(200, 100, 64, 125)]
    public void CompositeUsesPillowRounding(byte a, byte b, byte m, byte expected)
    {
        using var result = ImageBlend.Composite(Pixel(a), Pixel(b), Pixel(m));
        Assert.Equal(expected, result.item<byte>());
    }

    [Fact]
    public void PointRoundsHalfToEvenAndClips()
    {
        var lut = ImagePoint.Lut(x => x == 0 ? 229.5 : x == 1 ? 230.5 : x == 2 ? -4 : 300);
        Assert.Equal(new byte[] { 230, 230, 0, 255 }, lut[..4]);
    }

    [Fact]
    public void ModeConversionsAddAndDropAlpha()
    {
        using var scope = torch.NewDisposeScope();
        var rgba = ImageConvert.ToRgba(Pixel(1, 2, 3));
        Assert.Equal(new byte[] { 1, 2, 3, 255 }, rgba.flatten().data<byte>().ToArray());
        var withMask = ImageConvert.PutAlpha(Pixel(1, 2, 3), Pixel(9));
        Assert.Equal(new byte[] { 1, 2, 3, 9 }, withMask.flatten().data<byte>().ToArray());
        Assert.Equal(new byte[] { 1, 2, 3 }, ImageConvert.ToRgb(withMask).flatten().data<byte>().ToArray());
        Assert.Equal(new byte[] { 7, 7, 7 }, ImageConvert.ToRgb(Pixel(7)).flatten().data<byte>().ToArray());
    }

    [Fact]
    public void RgbaResizeOfTransparentPixelsKeepsTheirColour()
    {
        // alpha 0 everywhere: premultiplied colour is 0, un-premultiply leaves it (PIL keeps c' when A == 0)
        using var scope = torch.NewDisposeScope();
        var image = torch.zeros(4, 6, 6, ScalarType.Byte);
        image.narrow(0, 0, 3).fill_(200);
        var resized = ImageResize.Resize(image, 3, 3);
        Assert.Equal(0, resized.max().item<byte>());
    }

    [Fact]
    public void ResizeToTheSameSizeIsACopy()
    {
        using var scope = torch.NewDisposeScope();
        var image = ImageFileTests.RandomImage(4, 9, 7, seed: 11);
        var same = ImageResize.Resize(image, 7, 9);
        Assert.True(same.equal(image).all().item<bool>());
    }

    [Fact]
    public void WebUiResizeOfRgbaGivesRgb()
    {
        using var scope = torch.NewDisposeScope();
        var image = ImageFileTests.RandomImage(4, 20, 48, seed: 12);
        Assert.Equal(4, WebUiResize.Resize(image, WebUiResizeMode.JustResize, 32, 24).shape[0]);
        Assert.Equal([3L, 24, 32], WebUiResize.Resize(image, WebUiResizeMode.CropAndResize, 32, 24).shape);
        Assert.Equal([3L, 24, 32], WebUiResize.Resize(image, WebUiResizeMode.ResizeAndFill, 32, 24).shape);
        var tall = ImageFileTests.RandomImage(3, 30, 20, seed: 13);
        Assert.Equal([3L, 24, 32], WebUiResize.Resize(tall, WebUiResizeMode.LatentUpscale, 32, 24).shape);
    }
}
