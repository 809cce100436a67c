using System.Text.Json;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Diffusion.Unet;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>The SDXL golden folder (tests/golden/sdxl): its files, the tiny model's text towers and UNet, and the tolerances.</summary>
public static class SdxlGolden
{
    /// <summary>README tolerances (fp32): text 1e-4, eps 5e-4, ControlNet residuals 1e-5.</summary>
    public const double TextTolerance = 1e-4;
    public const double EpsTolerance = 5e-4;
    public const double ResidualTolerance = 1e-5;

    public const string Model = "tiny-sdxl.safetensors";
    public const string TinyCheckpoint = Model;
    public const string UnetPrefix = "model.diffusion_model.";

    public static string PathOf(string name) => GoldenData.Path("sdxl", name);

    public static SafetensorsFile Open(string name) => SafetensorsFile.Open(PathOf(name));

    public static JsonDocument Json(string name) => JsonDocument.Parse(File.ReadAllText(PathOf(name)));

    /// <summary>The tensor names of a golden file that end in <paramref name="suffix"/>, without it, sorted.</summary>
    public static TheoryData<string> CasesOf(string file, string suffix) => GoldenTensors.CasesOf(PathOf(file), suffix);

    /// <summary>The tiny model's head counts from its sidecar: <c>clip_heads</c> (CLIP-L) and <c>openclip_heads</c> (bigG).</summary>
    public static (int ClipL, int BigG) Heads(string model = Model)
    {
        using var json = Json(Path.ChangeExtension(model, null) + ".config.json");
        return (json.RootElement.GetProperty("clip_heads").GetInt32(), json.RootElement.GetProperty("openclip_heads").GetInt32());
    }

    /// <summary>Both towers of a tiny SDXL checkpoint, float32 on the CPU.</summary>
    public static (ClipTextModel ClipL, ClipTextModel BigG) LoadTowers(string model = Model)
    {
        var (clipLHeads, bigGHeads) = Heads(model);
        using var file = StateDictFile.Open(PathOf(model));
        return SdxlTextEncoders.FromCheckpoint(file, ModuleDevice.Cpu, clipLHeads, bigGHeads);
    }

    /// <summary>The UNet heads' width, which the weights do not show (sidecar <c>tiny-sdxl.config.json</c>).</summary>
    public static long HeadChannels()
    {
        using var json = Json("tiny-sdxl.config.json");
        return json.RootElement.GetProperty("unet_num_head_channels").GetInt64();
    }

    /// <summary>The UNet config read from the checkpoint's keys (heads from the sidecar).</summary>
    public static UnetConfig DetectUnet(StateDictFile file) =>
        UnetConfigDetector.Detect(file.Shapes().Where(kv => kv.Key.StartsWith(UnetPrefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[UnetPrefix.Length..], kv => kv.Value), file.Path) with { HeadChannels = HeadChannels() };

    /// <summary>The tiny checkpoint's UNet, detected from its keys and bound name for name (float32 on the CPU unless <paramref name="on"/>).</summary>
    public static UnetModel LoadUnet(string checkpoint = TinyCheckpoint, ModuleDevice? on = null)
    {
        using var file = StateDictFile.Open(PathOf(checkpoint));
        var config = DetectUnet(file);
        return StateDictBinding.Bound(new UnetModel(config, on ?? ModuleDevice.Cpu), unet => file.Bind(unet, UnetPrefix, "UNet"));
    }

    /// <summary>Asserts |actual − expected| ≤ tolerance everywhere, naming the case and the error; returns the max error.</summary>
    public static double AssertClose(string what, Tensor expected, Tensor actual, double tolerance = TextTolerance) =>
        GoldenTensors.AssertClose(what, expected, actual, tolerance);
}
