using VideoLoopback.Diffusion.ControlNet.Preprocessors;

namespace VideoLoopback.Diffusion.Tests.ControlNet.Preprocessors;

/// <summary>Module names, the extension's slider defaults and ranges, and the errors for unknown or network modules.</summary>
[Trait("Area", "adapters")]
public class PreprocessorRegistryTests
{
    [Theory]
    [InlineData("none", 512, 0.5, 0.5)]
    [InlineData("canny", 512, 100, 200)]
    [InlineData("invert", 0.5, 0.5, 0.5)]
    [InlineData("threshold", 512, 127, 0.5)]
    [InlineData("scribble_xdog", 512, 32, 0.5)]
    [InlineData("tile_resample", 512, 1, 0.5)]
    [InlineData("tile_colorfix", 512, 8, 0.5)]
    [InlineData("tile_colorfix+sharp", 512, 8, 1)]
    [InlineData("shuffle", 512, 0.5, 0.5)]
    [InlineData("inpaint_only", 0.5, 0.5, 0.5)]
    [InlineData("lineart_standard", 512, 0.5, 0.5)]
    public void UnsetAndMinusOneGiveTheModuleDefaults(string module, double resolution, double a, double b)
    {
        var preprocessor = PreprocessorRegistry.Get(module);
        Assert.Equal(new PreprocessorSettings(resolution, a, b), preprocessor.Settings(null, null, null));
        Assert.Equal(new PreprocessorSettings(resolution, a, b, 7), preprocessor.Settings(-1, -1, -1, 7));
        Assert.Null(preprocessor.Check(null, -1, -1));
    }

    [Fact]
    public void ShownSlidersRejectValuesOutsideTheirRangeHiddenOnesFallBackToTheDefault()
    {
        var canny = PreprocessorRegistry.Get("canny");
        Assert.Equal("threshold_b 300 is outside canny's range 1..255 (High Threshold, default 200)", canny.Check(512, 100, 300));
        Assert.Contains("processor_res 32 is outside canny's range 64..2048", canny.Check(32, null, null));
        Assert.Equal(new PreprocessorSettings(96, 50, 120), canny.Settings(96, 50, 120));
        var shuffle = PreprocessorRegistry.Get("shuffle");
        Assert.Null(shuffle.Check(768, 3, null));
        Assert.Equal(512, shuffle.Settings(768, null, null).Resolution);
    }

    [Fact]
    public void UnknownAndNetworkModulesAreRefusedWithTheReason()
    {
        Assert.Null(PreprocessorRegistry.Find("cany", out var unknown));
        Assert.Equal("module 'cany' is unknown; known modules: none, canny, invert, threshold, scribble_xdog, tile_resample, tile_colorfix, " +
                     "tile_colorfix+sharp, shuffle, inpaint_only, lineart_standard", unknown);
        Assert.Null(PreprocessorRegistry.Find("depth_midas", out var network));
        Assert.Contains("needs a network model", network);
        Assert.Throws<ArgumentException>(() => PreprocessorRegistry.Get("openpose"));
    }

    [Fact]
    public void NumpySeedIsSeedPlusSubseedModulo2To32()
    {
        Assert.Equal(12u, PreprocessorSettings.NumpySeed(5, 7));
        Assert.Equal(1u, PreprocessorSettings.NumpySeed(4294967295, 2));
        Assert.Equal(7u, PreprocessorSettings.NumpySeed(-1, 7));
    }

    [Fact]
    public void RandomStateMatchesNumpysLegacyGenerator()
    {
        // np.random.seed(s); np.random.uniform(0, 1, n) on numpy 1.24.
        var zero = new NumpyRandomState(0);
        Assert.Equal([0.5488135039273248, 0.7151893663724195, 0.6027633760716439], [zero.NextDouble(), zero.NextDouble(), zero.NextDouble()]);
        var top = new NumpyRandomState(4294967295);
        Assert.Equal([0.0976320289940138, 0.9123828453026218], [top.NextDouble(), top.NextDouble()]);
    }
}
