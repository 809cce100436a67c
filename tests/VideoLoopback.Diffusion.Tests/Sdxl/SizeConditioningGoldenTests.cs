using System.Text.Json;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>
/// conditioning.safetensors: the size part of each case's UNet vector (after the tiny model's 48 pooled channels), which sgm's
/// ConcatTimestepEmbedderND made from WebUI's original size, crop and target size, against <see cref="SizeConditioning"/>.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sdxl")]
public class SizeConditioningGoldenTests
{
    private const long PooledWidth = 48;
    private const long FeaturesPerValue = 256;
    private const double Tolerance = 1e-4;

    private static JsonElement CaseInfo(SafetensorsFile golden, int index)
    {
        using var cases = JsonDocument.Parse(golden.Metadata["cases"]);
        return cases.RootElement[index].Clone();
    }

    public static TheoryData<int> Cases()
    {
        using var golden = SafetensorsFile.Open(GoldenData.Path("sdxl", "conditioning.safetensors"));
        var data = new TheoryData<int>();
        foreach (var entry in golden.Entries.Where(e => e.Name.EndsWith(".vector", StringComparison.Ordinal)))
            data.Add(int.Parse(entry.Name["case".Length..^".vector".Length]));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SizeEmbeddingMatchesSgm(int index)
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(GoldenData.Path("sdxl", "conditioning.safetensors"));
        var info = CaseInfo(golden, index);
        var crop = info.GetProperty("crop_top_left");
        var size = SizeConditioning.ForGeneration(info.GetProperty("width").GetInt32(), info.GetProperty("height").GetInt32(),
            crop[0].GetInt32(), crop[1].GetInt32());
        var expected = golden.Load($"case{index}.vector");
        using var vectors = new VectorConditioning(size.BaseValues(), size.BaseValues(), expected.shape[1], PooledWidth, CPU);
        var actual = vectors.Rows(expected.narrow(1, 0, PooledWidth));
        double max = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs().max().item<double>();
        Assert.True(max <= Tolerance, $"case{index} ({size}): size embedding max abs diff {max:E3} > {Tolerance:E1}");
    }

    [Fact]
    public void VectorWidthThatCannotHoldSixSizeEmbeddingsIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new VectorConditioning(SizeConditioning.ForGeneration(64, 64).BaseValues(), SizeConditioning.ForGeneration(64, 64).BaseValues(), 1585, 48, CPU));
        Assert.Contains("1585", error.Message);
    }
}
