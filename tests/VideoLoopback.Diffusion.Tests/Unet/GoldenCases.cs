using System.Text.Json;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Unet;

/// <summary>Finds the golden tensor files of the sd15 folder and the cases inside them.</summary>
public static class GoldenCases
{
    public static string Folder => GoldenData.Path("sd15");

    /// <summary>
    /// (golden file, case name) for every golden file in the folder whose <c>__metadata__</c> names a model and that holds
    /// tensors ending in <paramref name="outputSuffix"/>.
    /// </summary>
    public static IEnumerable<(string File, string Case)> Find(string outputSuffix, string inputSuffix)
    {
        foreach (var path in Directory.GetFiles(Folder, "*.safetensors").Order(StringComparer.Ordinal))
        {
            using var file = SafetensorsFile.Open(path);
            if (!file.Metadata.ContainsKey("model")) continue;
            foreach (var entry in file.Entries)
                if (entry.Name.EndsWith(outputSuffix, StringComparison.Ordinal))
                {
                    var name = entry.Name[..^outputSuffix.Length];
                    if (file.Contains(name + inputSuffix)) yield return (Path.GetFileName(path), name);
                }
        }
    }

    /// <summary>The model file a golden file was computed with (its metadata <c>model</c>, relative to the golden file).</summary>
    public static string ModelOf(SafetensorsFile golden) =>
        Path.Combine(Path.GetDirectoryName(golden.FilePath)!, golden.Metadata["model"]);

    /// <summary>
    /// The attention head count of a model: <c>num_heads</c> (or <c>unet_num_heads</c>) of the <c>NAME.config.json</c> written
    /// beside <c>NAME.safetensors</c> by the reference generator; the SD1.x value 8 when there is none.
    /// </summary>
    public static int HeadsOf(string modelPath)
    {
        var config = Path.ChangeExtension(modelPath, null) + ".config.json";
        if (!File.Exists(config)) return VideoLoopback.Diffusion.Unet.UnetConfig.Sd1NumHeads;
        using var json = JsonDocument.Parse(File.ReadAllText(config));
        foreach (var name in new[] { "num_heads", "unet_num_heads" })
            if (json.RootElement.TryGetProperty(name, out var value)) return value.GetInt32();
        throw new InvalidDataException($"{config}: no num_heads");
    }

    /// <summary>Largest absolute difference, computed in float64.</summary>
    public static double MaxAbs(Tensor actual, Tensor expected)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var diff = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs().max();
        return diff.item<double>();
    }
}
