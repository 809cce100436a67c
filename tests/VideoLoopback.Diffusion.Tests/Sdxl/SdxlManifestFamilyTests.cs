using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Tests.Checkpoints;
using VideoLoopback.Tests.Shared;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>
/// The full-size SDXL key manifests (tests/golden/sdxl/manifests, from sgm's modules built with sd_xl_base.yaml and
/// sd_xl_refiner.yaml): each is a supported checkpoint of its own family with every key accounted for.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sdxl")]
public class SdxlManifestFamilyTests
{
    private static CheckpointInfo Inspect(string manifest) =>
        CheckpointInspector.Inspect(manifest, KeyManifest.ReadSd15Style(GoldenData.Path("sdxl", "manifests", manifest)));

    [Fact]
    public void BaseIsASupportedSdxlCheckpointWithNoMissingOrUnexpectedKeys()
    {
        var info = Inspect("sdxl_base_sd_xl_base.json");
        Assert.Equal(CheckpointFamily.StableDiffusionXL, info.Family);
        Assert.True(info.MissingKeys.Count == 0, "missing: " + string.Join(", ", info.MissingKeys.Take(5)));
        Assert.True(info.UnexpectedKeys.Count == 0, "unexpected: " + string.Join(", ", info.UnexpectedKeys.Take(5)));
        info.EnsureSupported();
    }

    [Fact]
    public void RefinerIsASupportedRefinerCheckpointWithNoMissingOrUnexpectedKeys()
    {
        var info = Inspect("sdxl_refiner_sd_xl_refiner.json");
        Assert.Equal(CheckpointFamily.StableDiffusionXLRefiner, info.Family);
        Assert.True(info.MissingKeys.Count == 0, "missing: " + string.Join(", ", info.MissingKeys.Take(5)));
        Assert.True(info.UnexpectedKeys.Count == 0, "unexpected: " + string.Join(", ", info.UnexpectedKeys.Take(5)));
        info.EnsureSupported();
    }
}
