using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Unet;
using VideoLoopback.Diffusion.Vae;

namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// Builds the UNet and the VAE of an SD1.x LDM single-file checkpoint (keys <c>model.diffusion_model.*</c> and
/// <c>first_stage_model.*</c>), or a VAE from a standalone file (keys <c>encoder.*</c>, <c>decoder.*</c>, ... without prefix).
/// Architectures are detected from the key names and shapes; weights are converted from their stored dtype
/// (F32/F16/BF16) to the compute dtype while loading.
/// </summary>
public static class StableDiffusionWeights
{
    public const string UnetPrefix = "model.diffusion_model.";
    public const string VaePrefix = "first_stage_model.";

    /// <summary>Keys that mark an SD2.x checkpoint (OpenCLIP text tower).</summary>
    private const string OpenClipPrefix = "cond_stage_model.model.";

    /// <summary>Detects the UNet of a key list (name -> shape, full checkpoint names); refuses SD2.x and other families.</summary>
    public static UnetConfig DetectUnet(IReadOnlyDictionary<string, long[]> shapes, string source, int numHeads = UnetConfig.Sd1NumHeads)
    {
        RefuseUnsupported(shapes, source);
        var config = UnetConfigDetector.Detect(Strip(shapes, UnetPrefix), source, numHeads);
        if (config.UseLinearProjection)
            throw new NotSupportedException($"{source}: the UNet uses linear proj_in/proj_out (an SD2.x UNet); SD2.x is not supported yet");
        return config;
    }

    /// <summary>Detects the VAE of a checkpoint (<c>first_stage_model.*</c>) or of a standalone VAE file (no prefix).</summary>
    public static VaeConfig DetectVae(IReadOnlyDictionary<string, long[]> shapes, string source) =>
        VaeConfigDetector.Detect(Strip(shapes, VaePrefixOf(shapes, source)), source);

    /// <summary>
    /// Loads the UNet of <paramref name="file"/> onto <paramref name="on"/>.
    /// <paramref name="numHeads"/>: attention heads (SD1.x: 8; see <see cref="UnetConfig.NumHeads"/>).
    /// </summary>
    public static UnetModel LoadUnet(SafetensorsFile file, ModuleDevice on, int numHeads = UnetConfig.Sd1NumHeads)
    {
        var config = DetectUnet(StateDictBinding.Shapes(file), file.FilePath, numHeads);
        var unet = new UnetModel(config, on);
        try
        {
            StateDictBinding.Load(unet, file, UnetPrefix, "UNet");
        }
        catch
        {
            unet.Dispose();
            throw;
        }
        return unet;
    }

    /// <summary>Loads the VAE of a checkpoint, or a standalone VAE file, onto <paramref name="on"/>.</summary>
    public static AutoencoderKL LoadVae(SafetensorsFile file, ModuleDevice on)
    {
        var shapes = StateDictBinding.Shapes(file);
        var prefix = VaePrefixOf(shapes, file.FilePath);
        var config = VaeConfigDetector.Detect(Strip(shapes, prefix), file.FilePath);
        var vae = new AutoencoderKL(config, on);
        try
        {
            StateDictBinding.Load(vae, file, prefix, "VAE");
        }
        catch
        {
            vae.Dispose();
            throw;
        }
        return vae;
    }

    /// <summary>The network's parameters must equal exactly the keys under <paramref name="prefix"/> (names and shapes).</summary>
    public static IReadOnlyList<string> Differences(TorchSharp.torch.nn.Module network, IReadOnlyDictionary<string, long[]> shapes, string prefix) =>
        StateDictBinding.Differences(network, shapes, prefix);

    /// <summary><c>first_stage_model.</c> in a checkpoint, empty in a standalone VAE file.</summary>
    public static string VaePrefixOf(IReadOnlyDictionary<string, long[]> shapes, string source)
    {
        if (shapes.ContainsKey(VaePrefix + "encoder.conv_in.weight")) return VaePrefix;
        if (shapes.ContainsKey("encoder.conv_in.weight")) return "";
        throw new InvalidDataException($"{source}: no VAE found (expected 'first_stage_model.encoder.conv_in.weight' or, in a standalone VAE, 'encoder.conv_in.weight')");
    }

    private static void RefuseUnsupported(IReadOnlyDictionary<string, long[]> shapes, string source)
    {
        bool openClip = shapes.Keys.Any(k => k.StartsWith(OpenClipPrefix, StringComparison.Ordinal));
        if (openClip)
            throw new NotSupportedException($"{source}: this is an SD2.x checkpoint (OpenCLIP text encoder under '{OpenClipPrefix}'); SD2.x is not supported yet");
        if (!shapes.ContainsKey(UnetPrefix + "input_blocks.0.0.weight"))
            throw new InvalidDataException($"{source}: no SD UNet found (expected '{UnetPrefix}input_blocks.0.0.weight')");
    }

    private static Dictionary<string, long[]> Strip(IReadOnlyDictionary<string, long[]> shapes, string prefix) =>
        shapes.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
}
