using VideoLoopback.Diffusion.ControlNet;

namespace VideoLoopback.Diffusion.Tests.ControlNet;

/// <summary>
/// OpenCV's default morphology border (BORDER_CONSTANT with morphologyDefaultBorderValue: the largest value for erosion, the
/// smallest for dilation) means pixels outside the image never win, and hit-or-miss is the AND of the two erosions.
/// </summary>
[Trait("Area", "adapters")]
public class MorphologyTests
{
    private static readonly bool[,] Square = { { true, true, true }, { true, true, true }, { true, true, true } };

    [Fact]
    public void ErosionDoesNotEatImageEdges()
    {
        var white = Enumerable.Repeat((byte)255, 4 * 5 * 3).ToArray();
        Assert.Equal(white, Morphology.Erode(white, 4, 5, 3, Square));
    }

    [Fact]
    public void DilationTakesTheNeighbourhoodMaximumPerChannel()
    {
        // 1x3 image, 2 channels: channel 0 = [0, 9, 0], channel 1 = [5, 0, 0].
        byte[] image = [0, 5, 9, 0, 0, 0];
        Assert.Equal(new byte[] { 9, 5, 9, 5, 9, 0 }, Morphology.Dilate(image, 1, 3, 2, Square));
    }

    [Fact]
    public void HitOrMissMarksOnlyExactMatches()
    {
        // Kernel: centre set, right neighbour clear, the rest free. Image row: # # . #
        byte[] image = [255, 255, 0, 255];
        int[,] kernel = { { 0, 0, 0 }, { 0, 1, -1 }, { 0, 0, 0 } };
        // Pixel 1 (right is clear) matches; pixel 3 matches too since outside the image counts as clear.
        Assert.Equal(new byte[] { 0, 255, 0, 255 }, Morphology.HitOrMiss(image, 1, 4, kernel));
    }
}
