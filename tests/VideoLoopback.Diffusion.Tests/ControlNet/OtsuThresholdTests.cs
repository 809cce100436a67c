using VideoLoopback.Diffusion.ControlNet;

namespace VideoLoopback.Diffusion.Tests.ControlNet;

/// <summary>
/// Otsu's threshold on hand-made histograms, expected values worked out by hand from OpenCV's getThreshVal_Otsu_8u: the level
/// maximising q1*q2*(mu1-mu2)^2, the first such level on ties (strict &gt;), 0 when no level splits the pixels, and
/// THRESH_BINARY's "value &gt; level" rule.
/// </summary>
[Trait("Area", "adapters")]
public class OtsuThresholdTests
{
    private static byte[] Histogram(params (byte Value, int Count)[] bins) =>
        bins.SelectMany(b => Enumerable.Repeat(b.Value, b.Count)).ToArray();

    [Fact]
    public void PicksTheLowestLevelOfTheBestSplit()
    {
        // 8 pixels: 10 x2, 20 x2, 200 x4. Split after 10: q1=1/4, mu1=10, mu2=140 -> 0.1875*130^2 = 3168.75.
        // Split after 20: q1=1/2, mu1=15, mu2=200 -> 0.25*185^2 = 8556.25; levels 21..199 split identically (equal variance),
        // so the first, 20, is kept.
        var image = Histogram((10, 2), (20, 2), (200, 4));
        Assert.Equal(20, OtsuThreshold.Level(image));
        // The level itself is not above the threshold: 10 and 20 become 0, 200 becomes 255.
        Assert.Equal(Histogram((0, 4), (255, 4)), OtsuThreshold.Apply(image));
    }

    [Fact]
    public void MaximisesBetweenClassVarianceNotTheMidpoint()
    {
        // 0 x6, 100 x1, 200 x1 (mean 37.5). After 0: q1=3/4, mu1=0, mu2=150 -> 0.1875*150^2 = 4218.75.
        // After 100: q1=7/8, mu1=100/7, mu2=200 -> 0.109375*(1300/7)^2 = 3772.3. Level 0: both bright pixels become white.
        var image = Histogram((0, 6), (100, 1), (200, 1));
        Assert.Equal(0, OtsuThreshold.Level(image));
        Assert.Equal(Histogram((0, 6), (255, 2)), OtsuThreshold.Apply(image));
    }

    [Fact]
    public void UniformImageHasLevelZero()
    {
        // Every level leaves one class empty (skipped by the epsilon guard), so the initial level 0 stays: non-zero pixels turn white.
        Assert.Equal(0, OtsuThreshold.Level(Histogram((7, 5))));
        Assert.Equal(Histogram((255, 5)), OtsuThreshold.Apply(Histogram((7, 5))));
        Assert.Equal(Histogram((0, 5)), OtsuThreshold.Apply(Histogram((0, 5))));
    }
}
