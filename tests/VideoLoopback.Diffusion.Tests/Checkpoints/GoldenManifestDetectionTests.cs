using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Tests.Shared;

namespace VideoLoopback.Diffusion.Tests.Checkpoints;

/// <summary>
/// The full-size key manifests (real key names and shapes, no weights) are detected as the right family,
/// with no missing and no unexpected keys, and with the parameter counts published for those models.
/// </summary>
public class GoldenManifestDetectionTests
{
    // Published component sizes of SD1.5 (UNet 859.52M, VAE 83.65M, CLIP ViT-L/14 text model 123.06M).
    private const long Sd15UNetParameters = 859_520_964;
    private const long Sd15VaeParameters = 83_653_863;
    private const long Sd15TextParameters = 123_060_480;

    public static TheoryData<string> Sd15Manifests() =>
        Cases(Directory.EnumerateFiles(GoldenData.Path("sd15", "manifests"), "*.json"));

    private static TheoryData<string> Cases(IEnumerable<string> paths)
    {
        var data = new TheoryData<string>();
        foreach (var path in paths.Order(StringComparer.Ordinal)) data.Add(Path.GetRelativePath(GoldenData.Root, path));
        return data;
    }

    /// <summary>The family a manifest of the sd15 set describes, from the model its name starts with.</summary>
    private static CheckpointFamily ExpectedFamily(string fileName) => fileName switch
    {
        _ when fileName.StartsWith("sd15_inpainting_", StringComparison.Ordinal) => CheckpointFamily.StableDiffusion1Inpainting,
        _ when fileName.StartsWith("sd15_", StringComparison.Ordinal) || fileName.StartsWith("sd14_", StringComparison.Ordinal)
            => CheckpointFamily.StableDiffusion1,
        _ when fileName.StartsWith("sd2", StringComparison.Ordinal) => CheckpointFamily.StableDiffusion2,
        _ when fileName.StartsWith("vae_", StringComparison.Ordinal) => CheckpointFamily.Vae,
        _ => throw new InvalidDataException($"no expected family for manifest {fileName}: name it sd15_*, sd15_inpainting_*, sd2*_* or vae_*"),
    };

    [Theory]
    [Trait("Category", "Golden")]
    [Trait("Area", "sd15")]
    [MemberData(nameof(Sd15Manifests))]
    public void Sd15ManifestIsDetected(string relativePath)
    {
        var path = GoldenData.Path(relativePath);
        var info = CheckpointInspector.Inspect(relativePath, KeyManifest.ReadSd15Style(path));
        var expected = ExpectedFamily(Path.GetFileName(path));

        Assert.True(expected == info.Family, $"{relativePath}: detected {info.Family}, expected {expected}");
        Assert.True(info.MissingKeys.Count == 0, $"{relativePath}: missing {string.Join(", ", info.MissingKeys.Take(5))}");
        Assert.True(info.UnexpectedKeys.Count == 0, $"{relativePath}: unexpected {string.Join(", ", info.UnexpectedKeys.Take(5))}");

        if (expected == CheckpointFamily.StableDiffusion1 || expected == CheckpointFamily.StableDiffusion1Inpainting)
        {
            info.EnsureSupported();
            Assert.Equal(expected == CheckpointFamily.StableDiffusion1 ? 4 : 9, info.UNetInChannels);
            Assert.Equal(768, info.ContextDim);
            // The inpainting UNet's first conv has 5 more input channels: 320*5*3*3 more parameters.
            long unetExtra = expected == CheckpointFamily.StableDiffusion1Inpainting ? 320 * 5 * 3 * 3 : 0;
            Assert.Equal(Sd15UNetParameters + unetExtra, Component(info, "unet").Parameters);
            Assert.Equal(Sd15VaeParameters, Component(info, "vae").Parameters);
            Assert.Equal(Sd15TextParameters, Component(info, "text encoder").Parameters);
            // The 12 schedule buffers and position_ids are ignored.
            Assert.Equal(13, Component(info, "ignored").Tensors);
        }
        else if (expected == CheckpointFamily.StableDiffusion2)
        {
            info.EnsureSupported();
            Assert.Equal(1024, info.ContextDim);
            Assert.Contains(info.Notes, n => n.Contains("v-prediction or epsilon cannot be told from the weights", StringComparison.Ordinal));
        }
        else if (expected == CheckpointFamily.Vae)
        {
            info.EnsureSupported();
            Assert.Equal(Sd15VaeParameters, Component(info, "vae").Parameters);
        }
    }

    [Fact]
    [Trait("Category", "Golden")]
    [Trait("Area", "adapters")]
    public void ControlNetManifestIsDetectedInEveryLayout()
    {
        var path = GoldenData.Path("adapters", "controlnet", "manifest_sd15_full.json");
        long parameters = KeyManifest.ControlNetParameters(path);

        var release = CheckpointInspector.Inspect("release", KeyManifest.ReadControlNet(path));
        AssertComplete(release, CheckpointFamily.ControlNet);
        Assert.Equal(ControlNetLayout.ControlModelPrefix, release.ControlNetLayout);
        Assert.Equal(parameters, Component(release, "controlnet").Parameters);
        Assert.Equal(768, release.ContextDim);

        var prefixLess = CheckpointInspector.Inspect("prefix-less", KeyManifest.ReadControlNet(path, prefixLess: true));
        AssertComplete(prefixLess, CheckpointFamily.ControlNet);
        Assert.Equal(ControlNetLayout.PrefixLess, prefixLess.ControlNetLayout);
        Assert.Equal(parameters, Component(prefixLess, "controlnet").Parameters);

        // ControlNet 1.0 files hold the control model and a whole SD1.5 checkpoint.
        var sd15 = KeyManifest.ReadSd15Style(GoldenData.Path("sd15", "manifests", "sd15_v1-inference.json"));
        var combined = CheckpointInspector.Inspect("1.0", KeyManifest.ReadControlNet(path).Concat(sd15));
        AssertComplete(combined, CheckpointFamily.ControlNet);
        Assert.Equal(ControlNetLayout.WithStableDiffusionCheckpoint, combined.ControlNetLayout);
        Assert.Equal(parameters, Component(combined, "controlnet").Parameters);
        Assert.Equal(Sd15UNetParameters, Component(combined, "unet").Parameters);
        Assert.Equal(Sd15VaeParameters, Component(combined, "vae").Parameters);
        Assert.Equal(Sd15TextParameters, Component(combined, "text encoder").Parameters);
    }

    [Fact]
    [Trait("Category", "Golden")]
    [Trait("Area", "adapters")]
    public void LoraManifestIsDetectedAsLoraAndLoCon()
    {
        var path = GoldenData.Path("adapters", "lora", "manifest_sd15_full.json");
        var plain = CheckpointInspector.Inspect("lora", KeyManifest.ReadLora(path, locon: false));
        AssertComplete(plain, CheckpointFamily.Lora);
        var locon = CheckpointInspector.Inspect("locon", KeyManifest.ReadLora(path, locon: true));
        AssertComplete(locon, CheckpointFamily.LoCon);
        Assert.Contains(locon.Notes, n => n.Contains($"rank {KeyManifest.LoraConvRank}/{KeyManifest.LoraRank}", StringComparison.Ordinal));
    }

    internal static void AssertComplete(CheckpointInfo info, CheckpointFamily expected)
    {
        Assert.True(expected == info.Family, $"{info.Source}: detected {info.Family} ({info.Description}), expected {expected}");
        Assert.True(info.MissingKeys.Count == 0, $"{info.Source}: missing {string.Join(", ", info.MissingKeys.Take(5))}");
        Assert.True(info.UnexpectedKeys.Count == 0, $"{info.Source}: unexpected {string.Join(", ", info.UnexpectedKeys.Take(5))}");
        info.EnsureSupported();
    }

    internal static CheckpointComponent Component(CheckpointInfo info, string name) =>
        info.Components.SingleOrDefault(c => c.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"{info.Source}: no '{name}' component; has {string.Join(", ", info.Components.Select(c => c.Name))}");
}
