using System.Text.Json;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Tests.Checkpoints;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Diffusion.Unet;
using VideoLoopback.Diffusion.Vae;
using VideoLoopback.Tests.Shared;

namespace VideoLoopback.Diffusion.Tests.Sd2;

/// <summary>
/// The full-size SD2.1 768-v key manifest (tests/golden/sd15/manifests, from the upstream modules): UNet, VAE and OpenCLIP
/// text tower detected from the key list alone and built on the meta device have exactly its names and shapes.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sd2")]
public class Sd21ManifestTests
{
    private const string Manifest = "sd21_768-v_v2-inference-v.json";

    private static Dictionary<string, long[]> Shapes()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(GoldenData.Path("sd15", "manifests", Manifest)));
        return json.RootElement.EnumerateObject().ToDictionary(
            p => p.Name, p => p.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());
    }

    [Fact]
    public void UnetAndVaeMatchExactly()
    {
        var shapes = Shapes();
        var config = StableDiffusionWeights.DetectUnet(shapes, Manifest);
        Assert.Equal(new UnetConfig(4, 4, 320, config.ChannelMult, 2, config.AttentionLevels, true, 1, 1024, true, 320, HeadChannels: 64), config);
        Assert.Equal([1L, 2, 4, 4], config.ChannelMult);
        Assert.Equal([true, true, true, false], config.AttentionLevels);
        Assert.Equal([5, 10, 20], new long[] { 320, 640, 1280 }.Select(config.HeadsFor));
        using var unet = new UnetModel(config, ModuleDevice.Meta);
        var problems = StableDiffusionWeights.Differences(unet, shapes, StableDiffusionWeights.UnetPrefix);
        Assert.True(problems.Count == 0, $"{Manifest} UNet: " + string.Join("; ", problems.Take(10)));
        Assert.Equal(shapes.Keys.Count(k => k.StartsWith(StableDiffusionWeights.UnetPrefix, StringComparison.Ordinal)), unet.named_parameters().Count());

        using var vae = new AutoencoderKL(StableDiffusionWeights.DetectVae(shapes, Manifest), ModuleDevice.Meta);
        var vaeProblems = StableDiffusionWeights.Differences(vae, shapes, StableDiffusionWeights.VaePrefix);
        Assert.True(vaeProblems.Count == 0, $"{Manifest} VAE: " + string.Join("; ", vaeProblems.Take(10)));
    }

    [Fact]
    public void OpenClipTextTowerMatchesExactly()
    {
        var shapes = Shapes();
        var config = OpenClipTextModel.Detect(shapes, Manifest);
        Assert.Equal(new ClipTextConfig(49408, 77, 1024, 4096, 24, 16, Activation: ClipActivation.Gelu), config);
        using var text = new ClipTextModel(config, ModuleDevice.Meta);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, parameter) in text.named_parameters())
        {
            Assert.Equal(TorchSharp.DeviceType.META, parameter.device_type);
            var (key, third) = OpenClipTextModel.SourceOf(name);
            string full = OpenClipTextModel.LdmPrefix + key;
            Assert.True(shapes.TryGetValue(full, out var shape), $"{name}: '{full}' is not in the manifest");
            var expected = third < 0 ? shape : [shape[0] / 3, .. shape[1..]];
            Assert.True(expected.SequenceEqual(parameter.shape), $"{name}: [{string.Join(",", parameter.shape)}] from '{full}' [{string.Join(",", shape)}]");
            used.Add(full);
        }
        // Everything of the tower is bound except the two CLIP-training tensors the conditioning never reads.
        var unused = shapes.Keys.Where(k => k.StartsWith(OpenClipTextModel.LdmPrefix, StringComparison.Ordinal) && !used.Contains(k)).Order().ToArray();
        Assert.Equal(["cond_stage_model.model.logit_scale", "cond_stage_model.model.text_projection"], unused);
    }

    [Fact]
    public void ManifestIsASupportedSd2Checkpoint()
    {
        var info = CheckpointInspector.Inspect(Manifest, KeyManifest.ReadSd15Style(GoldenData.Path("sd15", "manifests", Manifest)));
        Assert.Equal(CheckpointFamily.StableDiffusion2, info.Family);
        info.EnsureSupported();
    }
}
