using System.Text.Json;
using VideoLoopback.Diffusion.Pipelines;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sampling;

/// <summary>
/// Every mask_blur/cases.json case (OpenCV 4.6 GaussianBlur as WebUI applies it). The acceptance
/// bound is ±1; the implementation reproduces OpenCV's fixed-point arithmetic, so the test also
/// asserts bit-exactness.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sampling")]
public class MaskBlurGoldenTests
{
    public static TheoryData<string, int, int, string> Cases()
    {
        var data = new TheoryData<string, int, int, string>();
        foreach (var c in SamplingGolden.Json("mask_blur/cases.json").GetProperty("cases").EnumerateArray())
            data.Add(c.GetProperty("input").GetString()!, c.GetProperty("mask_blur_x").GetInt32(), c.GetProperty("mask_blur_y").GetInt32(), c.GetProperty("output").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BlurMatchesOpenCv(string input, int blurX, int blurY, string output)
    {
        using var scope = NewDisposeScope();
        var (pixels, width, height) = GrayPng.Read(SamplingGolden.PathOf("mask_blur", input));
        var (expected, ew, eh) = GrayPng.Read(SamplingGolden.PathOf("mask_blur", output));
        Assert.Equal((width, height), (ew, eh));
        var blurred = MaskBlur.Apply(tensor(pixels, [height, width]), blurX, blurY).data<byte>().ToArray();
        int worst = 0, differing = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            int diff = Math.Abs(expected[i] - blurred[i]);
            worst = Math.Max(worst, diff);
            if (diff != 0) differing++;
        }
        Assert.True(worst <= 1, $"{output}: worst pixel difference {worst} > 1 ({differing} pixels differ)");
        Assert.True(worst == 0, $"{output}: not bit-exact: {differing} pixels differ by ≤ 1");
    }

    [Fact]
    public void NegativeBlurIsRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => MaskBlur.Apply(zeros([4, 4], ScalarType.Byte), -1, 0));
        Assert.Contains("mask blur must be ≥ 0", e.Message);
    }
}
