using System.Text.Json;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Safetensors;

namespace VideoLoopback.Diffusion.Tests.Checkpoints;

/// <summary>
/// Reads the golden key manifests (full-size key lists written without weights) as tensor descriptors.
/// Four formats exist: <c>{key: {shape, dtype}}</c> (sd15), ControlNet's <c>tensors[{key, extension_key, shape}]</c>,
/// the LoRA module list (<c>modules[{kohya_module, lora_down_shape_for_rank_r, …}]</c>) and FastDVDNet's <c>keys[{name, shape, dtype}]</c>.
/// </summary>
public static class KeyManifest
{
    /// <summary>Rank used to turn the LoRA manifest's symbolic shapes into numbers (conv layers get <see cref="LoraConvRank"/>).</summary>
    public const int LoraRank = 4;
    public const int LoraConvRank = 2;

    public static List<TensorDescriptor> ReadSd15Style(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.EnumerateObject()
            .Select(p => new TensorDescriptor(p.Name, Shape(p.Value.GetProperty("shape")), DType(p.Value.GetProperty("dtype").GetString()!)))
            .ToList();
    }

    /// <summary>ControlNet manifest: release keys (<c>control_model.*</c>) or, with <paramref name="prefixLess"/>, the stripped ones.</summary>
    public static List<TensorDescriptor> ReadControlNet(string path, bool prefixLess = false)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.GetProperty("tensors").EnumerateArray()
            .Select(t => new TensorDescriptor(t.GetProperty(prefixLess ? "extension_key" : "key").GetString()!,
                Shape(t.GetProperty("shape")), SafetensorsDType.F16))
            .ToList();
    }

    /// <summary>The number of parameters the ControlNet manifest states for itself.</summary>
    public static long ControlNetParameters(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.GetProperty("num_params").GetInt64();
    }

    /// <summary>A kohya file's keys for the LoRA manifest's modules: plain LoRA modules only, or all of them (LoCon).</summary>
    public static List<TensorDescriptor> ReadLora(string path, bool locon)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var result = new List<TensorDescriptor>();
        foreach (var m in doc.RootElement.GetProperty("modules").EnumerateArray())
        {
            if (!locon && !m.GetProperty("in_plain_lora").GetBoolean()) continue;
            var module = m.GetProperty("kohya_module").GetString()!;
            int rank = m.GetProperty("uses_conv_dim").GetBoolean() ? LoraConvRank : LoraRank;
            result.Add(new(module + ".lora_down.weight", SymbolicShape(m.GetProperty("lora_down_shape_for_rank_r"), rank), SafetensorsDType.F16));
            result.Add(new(module + ".lora_up.weight", SymbolicShape(m.GetProperty("lora_up_shape_for_rank_r"), rank), SafetensorsDType.F16));
            result.Add(new(module + ".alpha", [], SafetensorsDType.F16));
        }
        return result;
    }

    private static long[] Shape(JsonElement e) => e.EnumerateArray().Select(d => d.GetInt64()).ToArray();

    private static long[] SymbolicShape(JsonElement e, int rank) =>
        e.EnumerateArray().Select(d => d.ValueKind == JsonValueKind.String ? rank : d.GetInt64()).ToArray();

    private static SafetensorsDType DType(string name) =>
        SafetensorsDTypes.TryParse(name, out var dtype) ? dtype : throw new InvalidDataException($"unknown dtype {name}");
}
