using System.Text.Json;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Diffusion.Unet;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Lora;

/// <summary>Paths and model loading shared by the adapter golden tests.</summary>
public static class AdapterGolden
{
    public static string LoraFolder => GoldenData.Path("adapters", "lora");
    public static string ControlNetFolder => GoldenData.Path("adapters", "controlnet");

    /// <summary>The base checkpoint a golden file names in its metadata <c>model</c> (relative to the golden file).</summary>
    public static string ModelOf(SafetensorsFile golden) =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(golden.FilePath)!, golden.Metadata["model"]));

    private static JsonElement? Config(string modelPath)
    {
        var path = Path.ChangeExtension(modelPath, null) + ".config.json";
        if (!File.Exists(path)) return null;
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }

    public static UnetModel LoadUnet(string modelPath)
    {
        int heads = Config(modelPath) is { } c && c.TryGetProperty("unet_num_heads", out var h) ? h.GetInt32() : UnetConfig.Sd1NumHeads;
        using var file = SafetensorsFile.Open(modelPath);
        return StableDiffusionWeights.LoadUnet(file, ModuleDevice.Cpu, heads);
    }

    public static ClipTextModel LoadTextEncoder(string modelPath)
    {
        int? heads = Config(modelPath) is { } c && c.TryGetProperty("clip_heads", out var h) ? h.GetInt32() : null;
        return ClipTextModel.FromCheckpoint(modelPath, CPU, ScalarType.Float32, heads);
    }

    /// <summary>Largest absolute difference, computed in float64.</summary>
    public static double MaxAbs(Tensor actual, Tensor expected)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var diff = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs().max();
        return diff.item<double>();
    }

    /// <summary>True when both float32 tensors hold the same bits in every element.</summary>
    public static bool BitEqual(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape) || a.dtype != ScalarType.Float32 || b.dtype != ScalarType.Float32) return false;
        using var ca = a.detach().contiguous().cpu();
        using var cb = b.detach().contiguous().cpu();
        var bitsA = System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(ca.data<float>().ToArray());
        var bitsB = System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(cb.data<float>().ToArray());
        return bitsA.SequenceEqual(bitsB);
    }
}
