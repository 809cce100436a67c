using TorchSharp;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Imaging;

public class ImageFiltersTests
{
    [Fact]
    public void EveryListedNameBuildsAFilterWithDefaults()
    {
        foreach (var name in ImageFilters.Names.Where(n => n is not ("BoxBlur" or "RankFilter")))
            Assert.NotNull(ImageFilters.Create(name));
        Assert.NotNull(ImageFilters.Create("BoxBlur", 1));
        Assert.NotNull(ImageFilters.Create("RankFilter", 3, 4));
    }

    [Fact]
    public void UnknownNameListsTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => ImageFilters.Create("SHARPER"));
        Assert.Contains("ImageFilter.SHARPER", error.Message);
        Assert.Contains("SHARPEN", error.Message);
    }

    [Theory]
    [InlineData("BLUR", new double[] { 1 }, "no arguments")]
    [InlineData("BoxBlur", new double[0], "needs 'radius'")]
    [InlineData("GaussianBlur", new double[] { -1 }, "radius must be >= 0")]
    [InlineData("MedianFilter", new double[] { 4 }, "positive odd")]
    [InlineData("MinFilter", new double[] { 2.5 }, "must be an integer")]
    [InlineData("UnsharpMask", new double[] { 2, 150.5 }, "'percent' must be an integer")]
    public void BadArgumentsFailWithAMessageNamingTheFilter(string name, double[] args, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => ImageFilters.Create(name, args));
        Assert.Contains(expected, error.Message);
        Assert.Contains(name, error.Message);
    }

    [Fact]
    public void KeywordArgumentsBindByPilParameterName()
    {
        using var scope = torch.NewDisposeScope();
        var image = ImageFileTests.RandomImage(3, 20, 24, seed: 3);
        var positional = ImageFilters.Create("UnsharpMask", 1.5, 200, 1).Apply(image);
        var keywords = ImageFilters.Create("UnsharpMask", [1.5],
            new Dictionary<string, double> { ["threshold"] = 1, ["percent"] = 200 }).Apply(image);
        Assert.True(positional.equal(keywords).all().item<bool>());
        Assert.Throws<ArgumentException>(() => ImageFilters.Create("GaussianBlur", [2], new Dictionary<string, double> { ["radius"] = 3 }));
    }

    /// <summary>Frames are independent: filtering a batch equals filtering each frame alone.</summary>
    [Theory]
    [InlineData("SMOOTH_MORE")]
    [InlineData("GaussianBlur")]
    [InlineData("MedianFilter")]
    [InlineData("UnsharpMask")]
    public void BatchEqualsOneFrameAtATime(string name)
    {
        using var scope = torch.NewDisposeScope();
        var filter = ImageFilters.Create(name);
        var frames = torch.stack([ImageFileTests.RandomImage(4, 17, 23, 1), ImageFileTests.RandomImage(4, 17, 23, 2)]);
        var batched = filter.Apply(frames);
        Assert.Equal(frames.shape, batched.shape);
        for (var i = 0; i < 2; i++)
            Assert.True(batched[i].equal(filter.Apply(frames[i])).all().item<bool>(), $"{name}: frame {i} differs between batch and single");
    }

    [Fact]
    public void ChainAppliesInOrder()
    {
        using var scope = torch.NewDisposeScope();
        var image = ImageFileTests.RandomImage(3, 16, 16, seed: 5);
        var blur = ImageFilters.Create("BLUR");
        var edges = ImageFilters.Create("FIND_EDGES");
        var chained = ImageFilters.Chain(blur, edges).Apply(image);
        Assert.True(chained.equal(edges.Apply(blur.Apply(image))).all().item<bool>());
    }

    /// <summary>A user kernel with PIL's defaults equals the built-in filter with the same weights.</summary>
    [Fact]
    public void UserKernelMatchesTheBuiltinWithTheSameWeights()
    {
        using var scope = torch.NewDisposeScope();
        var image = ImageFileTests.RandomImage(3, 12, 14, seed: 9);
        var user = ImageFilters.Kernel(3, [1, 1, 1, 1, 5, 1, 1, 1, 1]).Apply(image);
        Assert.True(user.equal(ImageFilters.Create("SMOOTH").Apply(image)).all().item<bool>());
        var error = Assert.Throws<ArgumentException>(() => ImageFilters.Kernel(3, [-1, -1, -1, -1, 8, -1, -1, -1, -1]));
        Assert.Contains("sums to 0", error.Message);
    }

    [Fact]
    public void KernelFilterRejectsImagesSmallerThanTheKernel()
    {
        using var image = torch.zeros(3, 4, 4, ScalarType.Byte);
        var error = Assert.Throws<ArgumentException>(() => ImageFilters.Create("BLUR").Apply(image));
        Assert.Contains("BLUR", error.Message);
    }

    [Fact]
    public void BlendRejectsDifferentSizes()
    {
        using var a = torch.zeros(3, 4, 4, ScalarType.Byte);
        using var b = torch.zeros(3, 4, 5, ScalarType.Byte);
        var error = Assert.Throws<ArgumentException>(() => ImageBlend.Blend(a, b, 0.5));
        Assert.Contains("Image.blend", error.Message);
    }
}
