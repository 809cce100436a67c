using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Imaging;

/// <summary>Exact image comparison whose failure message says which case, how many samples and by how much.</summary>
internal static class ImageAssert
{
    public static void Equal(Tensor expected, ImageMode expectedMode, Tensor actual, string what)
    {
        Assert.True(actual.dtype == ScalarType.Byte, $"{what}: result dtype {actual.dtype}, expected uint8");
        var actualMode = ImageModes.FromChannels(actual.shape[^3]);
        Assert.True(expectedMode == actualMode, $"{what}: mode {actualMode}, expected {expectedMode}");
        Assert.True(expected.shape.SequenceEqual(actual.shape),
            $"{what}: shape [{string.Join(",", actual.shape)}], expected [{string.Join(",", expected.shape)}]");
        using var diff = (expected.to(ScalarType.Int16) - actual.cpu().to(ScalarType.Int16)).abs();
        var differing = diff.gt(0).sum().item<long>();
        var worst = diff.max().item<short>();
        Assert.True(differing == 0, $"{what}: {differing} of {diff.numel()} samples differ, worst by {worst} (tolerance 0)");
    }
}
