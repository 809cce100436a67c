using VideoLoopback.Diffusion.Checkpoints;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>The tiny SDXL checkpoint's UNet keys: its config is read back from them, and they are exactly the rebuilt key set.</summary>
[Trait("Category", "Golden")]
[Trait("Area", "sdxl")]
public class SdxlTinyUnetKeyTests
{
    [Fact]
    public void TinyCheckpointUnetIsDetectedAndCheckedKeyByKey()
    {
        using var file = StateDictFile.Open(SdxlGolden.PathOf(SdxlGolden.TinyCheckpoint));
        var config = SdxlGolden.DetectUnet(file);
        Assert.True(config.SameArchitecture(SdxlUnetStructureTests.Tiny()), $"detected {config}");

        var index = new CheckpointTensorIndex(file.Tensors);
        var structure = LdmUNetKeys.Infer(index, SdxlGolden.UnetPrefix);
        Assert.NotNull(structure);
        var expected = LdmUNetKeys.Expected(index, SdxlGolden.UnetPrefix, structure, controlNet: false);
        var present = file.Tensors.Select(t => t.Name).Where(n => n.StartsWith(SdxlGolden.UnetPrefix, StringComparison.Ordinal)).ToHashSet();
        Assert.True(expected.SetEquals(present), "expected-only: " + string.Join(", ", expected.Except(present).Take(5)) +
            "; file-only: " + string.Join(", ", present.Except(expected).Take(5)));
    }
}
