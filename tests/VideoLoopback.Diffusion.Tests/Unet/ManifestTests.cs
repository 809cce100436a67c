using System.Text.Json;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Unet;
using VideoLoopback.Diffusion.Vae;
using VideoLoopback.Tests.Shared;

namespace VideoLoopback.Diffusion.Tests.Unet;

/// <summary>
/// The full-size key manifests: the networks detected from a key list alone, built on the meta device (no storage),
/// have exactly the manifest's names and shapes.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sd15")]
public class ManifestTests
{
    private static Dictionary<string, long[]> Manifest(string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(GoldenData.Path("sd15", "manifests", name)));
        return json.RootElement.EnumerateObject().ToDictionary(
            p => p.Name, p => p.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());
    }

    [Theory]
    [InlineData("sd15_v1-inference.json", 4)]
    [InlineData("sd15_inpainting_v1-inpainting-inference.json", 9)]
    public void UnetAndVaeOfCheckpointManifestMatchExactly(string manifest, long inChannels)
    {
        var shapes = Manifest(manifest);
        var unetConfig = StableDiffusionWeights.DetectUnet(shapes, manifest);
        Assert.Equal(UnetConfig.StableDiffusion15(inChannels) with { ChannelMult = unetConfig.ChannelMult, AttentionLevels = unetConfig.AttentionLevels }, unetConfig);
        Assert.Equal([1L, 2, 4, 4], unetConfig.ChannelMult);
        Assert.Equal([true, true, true, false], unetConfig.AttentionLevels);
        using var unet = new UnetModel(unetConfig, ModuleDevice.Meta);
        Assert.All(unet.parameters(), p => Assert.Equal(TorchSharp.DeviceType.META, p.device_type));
        var unetProblems = StableDiffusionWeights.Differences(unet, shapes, StableDiffusionWeights.UnetPrefix);
        Assert.True(unetProblems.Count == 0, $"{manifest} UNet: " + string.Join("; ", unetProblems.Take(10)));
        Assert.Equal(686, unet.named_parameters().Count());

        using var vae = new AutoencoderKL(StableDiffusionWeights.DetectVae(shapes, manifest), ModuleDevice.Meta);
        var vaeProblems = StableDiffusionWeights.Differences(vae, shapes, StableDiffusionWeights.VaePrefix);
        Assert.True(vaeProblems.Count == 0, $"{manifest} VAE: " + string.Join("; ", vaeProblems.Take(10)));
        Assert.Equal(248, vae.named_parameters().Count());
    }

    [Fact]
    public void StandaloneVaeManifestMatchesExactly()
    {
        const string manifest = "vae_standalone_vae-ft-mse-840000-ema-pruned.json";
        var shapes = Manifest(manifest);
        var config = StableDiffusionWeights.DetectVae(shapes, manifest);
        Assert.Equal(VaeConfig.StableDiffusion with { ChannelMult = config.ChannelMult, AttentionLevels = config.AttentionLevels }, config);
        using var vae = new AutoencoderKL(config, ModuleDevice.Meta);
        var problems = StableDiffusionWeights.Differences(vae, shapes, "");
        Assert.True(problems.Count == 0, $"{manifest}: " + string.Join("; ", problems.Take(10)));
        Assert.Equal(shapes.Count, vae.named_parameters().Count());
    }

    [Fact]
    public void FileWithoutUnetIsRefusedNamingTheKey()
    {
        const string manifest = "vae_standalone_vae-ft-mse-840000-ema-pruned.json";
        var error = Assert.Throws<InvalidDataException>(() => StableDiffusionWeights.DetectUnet(Manifest(manifest), manifest));
        Assert.Contains("model.diffusion_model.input_blocks.0.0.weight", error.Message);
    }

    [Fact]
    public void ShapeMismatchIsReportedByName()
    {
        var shapes = Manifest("sd15_v1-inference.json");
        using var unet = new UnetModel(UnetConfig.StableDiffusion15(inChannels: 9), ModuleDevice.Meta);
        var problems = StableDiffusionWeights.Differences(unet, shapes, StableDiffusionWeights.UnetPrefix);
        Assert.Equal(["'model.diffusion_model.input_blocks.0.0.weight' is [320,4,3,3], expected [320,9,3,3]"], problems);
    }
}
