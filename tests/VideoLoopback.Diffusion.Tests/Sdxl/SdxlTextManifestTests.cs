using System.Text.Json;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>
/// The full-size sd_xl_base key manifest (tests/golden/sdxl/manifests, from the upstream module tree): both text towers
/// detected from the key list alone and built on the meta device have exactly its names and shapes, and both layouts find them.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sdxl")]
public class SdxlTextManifestTests
{
    private const string Manifest = "sdxl_base_sd_xl_base.json";

    private static Dictionary<string, long[]> Shapes()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(SdxlGolden.PathOf(Path.Combine("manifests", Manifest))));
        return json.RootElement.EnumerateObject().ToDictionary(
            p => p.Name, p => p.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());
    }

    [Fact]
    public void ClipLMatchesExactly()
    {
        var shapes = Shapes();
        var config = ClipTextConfig.Detect(shapes, Manifest, SdxlTextEncoders.ClipLPrefix);
        Assert.Equal(ClipTextConfig.ClipL, config);
        using var text = new ClipTextModel(config, ModuleDevice.Meta);
        var problems = StateDictBinding.Differences(text, shapes, SdxlTextEncoders.ClipLPrefix);
        Assert.True(problems.Count == 0, $"{Manifest} CLIP-L: " + string.Join("; ", problems.Take(10)));
    }

    [Fact]
    public void BigGMatchesExactlyWithItsProjection()
    {
        var shapes = Shapes();
        var config = OpenClipTextModel.Detect(shapes, Manifest, SdxlTextEncoders.BigGPrefix, withProjection: true);
        Assert.Equal(new ClipTextConfig(49408, 77, 1280, 5120, 32, 20, Activation: ClipActivation.Gelu, ProjectionSize: 1280), config);
        using var text = new ClipTextModel(config, ModuleDevice.Meta);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, parameter) in text.named_parameters())
        {
            var (key, third) = OpenClipTextModel.SourceOf(name);
            string full = SdxlTextEncoders.BigGPrefix + key;
            Assert.True(shapes.TryGetValue(full, out var shape), $"{name}: '{full}' is not in the manifest");
            var expected = third < 0 ? shape : [shape[0] / 3, .. shape[1..]];
            Assert.True(expected.SequenceEqual(parameter.shape), $"{name}: [{string.Join(",", parameter.shape)}] from '{full}' [{string.Join(",", shape)}]");
            used.Add(full);
        }
        // Everything of the tower is bound except CLIP training's temperature.
        var unused = shapes.Keys.Where(k => k.StartsWith(SdxlTextEncoders.BigGPrefix, StringComparison.Ordinal) && !used.Contains(k)).ToArray();
        Assert.Equal([SdxlTextEncoders.BigGPrefix + "logit_scale"], unused);
    }

    [Fact]
    public void LayoutsFindBothTowers()
    {
        var index = CheckpointTensorIndex.FromShapes(Shapes());
        Assert.Equal([SdxlTextEncoders.ClipLPrefix, SdxlTextEncoders.BigGPrefix], TextEncoderLayout.StableDiffusionXL.Select(l => l.FindTower(index)));
        foreach (var layout in TextEncoderLayout.StableDiffusionXL)
        {
            var missing = layout.Keys!.Expected(index, layout.FindTower(index)!).Where(k => !index.Has(k)).ToList();
            Assert.True(missing.Count == 0, $"{layout.Component}: missing {string.Join(", ", missing.Take(5))}");
        }
    }
}
