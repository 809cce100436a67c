using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Unet;
using VideoLoopback.Diffusion.Vae;

namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// Builds the UNet and the VAE of a checkpoint of a supported <see cref="ModelFamily"/> (SD1.x: keys <c>model.diffusion_model.*</c>
/// and <c>first_stage_model.*</c>), or a VAE from a standalone file (keys <c>encoder.*</c>, <c>decoder.*</c>, ... without prefix),
/// then binds their weights by name. Architectures are detected from the key names and shapes; weights are converted from
/// their stored dtype (F32/F16/BF16) to the compute dtype while loading.
/// </summary>
public static class StableDiffusionWeights
{
    public static readonly string UnetPrefix = CheckpointFamilies.StableDiffusion1.UnetPrefix;
    public static readonly string VaePrefix = CheckpointFamilies.StableDiffusion1.VaePrefix;

    /// <summary>
    /// Detects the UNet of a key list (name -> shape, full checkpoint names); refuses families not supported yet. The heads,
    /// not visible in the weights, are <paramref name="headChannels"/> wide when given, else as the family has them (SD2.x:
    /// 64 wide), else <paramref name="numHeads"/> per transformer (SD1.x: 8).
    /// </summary>
    public static UnetConfig DetectUnet(IReadOnlyDictionary<string, long[]> shapes, string source, int numHeads = UnetConfig.Sd1NumHeads,
        long? headChannels = null)
    {
        var family = SupportedFamily(shapes, source);
        var config = UnetConfigDetector.Detect(Strip(shapes, family.UnetPrefix), source, numHeads);
        return config with { HeadChannels = headChannels ?? family.UnetHeadChannels };
    }

    /// <summary>Detects the VAE of a checkpoint (<c>first_stage_model.*</c>) or of a standalone VAE file (no prefix).</summary>
    public static VaeConfig DetectVae(IReadOnlyDictionary<string, long[]> shapes, string source) =>
        VaeConfigDetector.Detect(Strip(shapes, VaePrefixOf(shapes, source)), source);

    /// <summary>
    /// Loads the UNet of <paramref name="file"/> onto <paramref name="on"/>.
    /// <paramref name="numHeads"/>: attention heads (SD1.x: 8; see <see cref="UnetConfig.NumHeads"/>).
    /// </summary>
    public static UnetModel LoadUnet(StateDictFile file, ModuleDevice on, int numHeads = UnetConfig.Sd1NumHeads, long? headChannels = null)
    {
        var shapes = file.Shapes();
        var config = DetectUnet(shapes, file.Path, numHeads, headChannels);
        var prefix = SupportedFamily(shapes, file.Path).UnetPrefix;
        return StateDictBinding.Bound(new UnetModel(config, on), unet => file.Bind(unet, prefix, "UNet"));
    }

    /// <summary>Loads the VAE of a checkpoint, or a standalone VAE file, onto <paramref name="on"/>.</summary>
    public static AutoencoderKL LoadVae(StateDictFile file, ModuleDevice on)
    {
        var shapes = file.Shapes();
        var prefix = VaePrefixOf(shapes, file.Path);
        var config = VaeConfigDetector.Detect(Strip(shapes, prefix), file.Path);
        return StateDictBinding.Bound(new AutoencoderKL(config, on), vae => file.Bind(vae, prefix, "VAE"));
    }

    /// <summary>The network's parameters must equal exactly the keys under <paramref name="prefix"/> (names and shapes).</summary>
    public static IReadOnlyList<string> Differences(TorchSharp.torch.nn.Module network, IReadOnlyDictionary<string, long[]> shapes, string prefix) =>
        StateDictBinding.Differences(network, shapes, prefix);

    /// <summary>The VAE prefix of a supported family in a checkpoint (<c>first_stage_model.</c>), empty in a standalone VAE file.</summary>
    public static string VaePrefixOf(IReadOnlyDictionary<string, long[]> shapes, string source)
    {
        foreach (var family in CheckpointFamilies.Supported)
            if (shapes.ContainsKey(family.VaePrefix + "encoder.conv_in.weight")) return family.VaePrefix;
        if (shapes.ContainsKey("encoder.conv_in.weight")) return "";
        throw new InvalidDataException(
            $"{source}: no VAE found (expected '{VaePrefix}encoder.conv_in.weight' or, in a standalone VAE, 'encoder.conv_in.weight')");
    }

    /// <summary>The family of a key list, which must have a UNet and be supported.</summary>
    public static ModelFamily SupportedFamily(IReadOnlyDictionary<string, long[]> shapes, string source)
    {
        var family = CheckpointFamilies.Recognise(CheckpointTensorIndex.FromShapes(shapes));
        if (family is { Unsupported: { } why })
            throw new NotSupportedException($"{source}: this is an {family.Family.Description} ({why}); it is not supported yet");
        family ??= CheckpointFamilies.StableDiffusion1;
        if (!shapes.ContainsKey(family.UnetPrefix + "input_blocks.0.0.weight"))
            throw new InvalidDataException($"{source}: no SD UNet found (expected '{family.UnetPrefix}input_blocks.0.0.weight')");
        return family;
    }

    private static Dictionary<string, long[]> Strip(IReadOnlyDictionary<string, long[]> shapes, string prefix) =>
        shapes.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
}
