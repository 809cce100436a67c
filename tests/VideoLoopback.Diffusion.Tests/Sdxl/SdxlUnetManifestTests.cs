using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Tests.Checkpoints;
using VideoLoopback.Diffusion.Unet;
using VideoLoopback.Diffusion.Vae;
using VideoLoopback.Tests.Shared;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>
/// The full-size SDXL key manifests (tests/golden/sdxl/manifests, from the upstream sd_xl_base.yaml / sd_xl_refiner.yaml module
/// trees): the UNet detected from the key list alone and built on the meta device has exactly its names and shapes, the rebuilt
/// key set is exactly the manifest's UNet keys, and the VAE binds as SD1.x's.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sdxl")]
public class SdxlUnetManifestTests
{
    private const string Base = "sdxl_base_sd_xl_base.json";
    private const string Refiner = "sdxl_refiner_sd_xl_refiner.json";
    private const string Prefix = SdxlGolden.UnetPrefix;

    private static List<TensorDescriptor> Tensors(string manifest) => KeyManifest.ReadSd15Style(GoldenData.Path("sdxl", "manifests", manifest));

    private static Dictionary<string, long[]> Shapes(string manifest) => Tensors(manifest).ToDictionary(t => t.Name, t => t.Shape.ToArray());

    /// <summary>sd_xl_refiner.yaml: model_channels 384, [1,2,4,4], attention at levels 1 and 2 only, depth 4, context 1280, adm 2560.</summary>
    private static UnetConfig RefinerConfig() => new(4, 4, 384, [1, 2, 4, 4], 2, [false, true, true, false], true, 4, 1280, true, 384,
        HeadChannels: 64, AdmInChannels: 2560);

    [Theory]
    [InlineData(Base)]
    [InlineData(Refiner)]
    public void UnetMatchesExactly(string manifest)
    {
        var shapes = Shapes(manifest);
        var unetShapes = shapes.Where(kv => kv.Key.StartsWith(Prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[Prefix.Length..], kv => kv.Value);
        var config = UnetConfigDetector.Detect(unetShapes, manifest) with { HeadChannels = 64 };
        var reference = manifest == Base ? UnetConfig.StableDiffusionXL() : RefinerConfig();
        Assert.True(config.SameArchitecture(reference), $"{manifest}: detected {config}");

        using var unet = new UnetModel(config, ModuleDevice.Meta);
        var problems = StableDiffusionWeights.Differences(unet, shapes, Prefix);
        Assert.True(problems.Count == 0, $"{manifest} UNet: " + string.Join("; ", problems.Take(10)));
        Assert.Equal(unetShapes.Count, unet.named_parameters().Count());
        Assert.Equal(manifest == Base ? 1680 : 1220, unetShapes.Count);
    }

    [Theory]
    [InlineData(Base)]
    [InlineData(Refiner)]
    public void UnetKeySetIsRebuiltExactly(string manifest)
    {
        var index = new CheckpointTensorIndex(Tensors(manifest));
        var structure = LdmUNetKeys.Infer(index, Prefix);
        Assert.NotNull(structure);
        var expected = LdmUNetKeys.Expected(index, Prefix, structure, controlNet: false);
        var present = index.Names.Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).ToHashSet();
        Assert.True(expected.SetEquals(present), $"{manifest}: expected-only " + string.Join(", ", expected.Except(present).Take(5)) +
            "; manifest-only " + string.Join(", ", present.Except(expected).Take(5)));
        Assert.Equal(manifest == Base ? 2816 : 2560, structure.AdmInChannels);
    }

    [Fact]
    public void BaseUnetHasTheReferenceParameterCount()
    {
        var shapes = Shapes(Base);
        Assert.Equal(2_567_463_684L, shapes.Where(kv => kv.Key.StartsWith(Prefix, StringComparison.Ordinal)).Sum(kv => kv.Value.Aggregate(1L, (a, b) => a * b)));
    }

    [Fact]
    public void BaseVaeMatchesExactly()
    {
        var shapes = Shapes(Base);
        var config = StableDiffusionWeights.DetectVae(shapes, Base);
        using var vae = new AutoencoderKL(config, ModuleDevice.Meta);
        var problems = StableDiffusionWeights.Differences(vae, shapes, StableDiffusionWeights.VaePrefix);
        Assert.True(problems.Count == 0, $"{Base} VAE: " + string.Join("; ", problems.Take(10)));
    }
}
