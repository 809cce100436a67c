using System.Text.Json;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>The SDXL golden folder (tests/golden/sdxl) as the text tests read it: files, the tiny model's two towers, comparison.</summary>
public static class SdxlTextGolden
{
    /// <summary>Text tolerance (fp32), as for SD1.x and SD2.x.</summary>
    public const double TextTolerance = 1e-4;

    public const string Model = "tiny-sdxl.safetensors";

    public static string PathOf(string name) => GoldenData.Path("sdxl", name);

    public static SafetensorsFile Open(string name) => SafetensorsFile.Open(PathOf(name));

    public static JsonDocument Json(string name) => JsonDocument.Parse(File.ReadAllText(PathOf(name)));

    /// <summary>The tensor names of a golden file that end in <paramref name="suffix"/>, without it.</summary>
    public static TheoryData<string> CasesOf(string file, string suffix)
    {
        var data = new TheoryData<string>();
        using var golden = Open(file);
        foreach (var entry in golden.Entries.Where(e => e.Name.EndsWith(suffix, StringComparison.Ordinal)).OrderBy(e => e.Name, StringComparer.Ordinal))
            data.Add(entry.Name[..^suffix.Length]);
        return data;
    }

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

    /// <summary>Asserts |actual − expected| ≤ tolerance everywhere, naming the case and the error; returns the max error.</summary>
    public static double AssertClose(string what, Tensor expected, Tensor actual, double tolerance = TextTolerance)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape),
            $"{what}: shape [{string.Join(",", actual.shape)}], expected [{string.Join(",", expected.shape)}]");
        using var diff = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs().max();
        double max = diff.item<double>();
        Assert.True(max <= tolerance, $"{what}: max abs diff {max:E3} > {tolerance:E1}");
        return max;
    }
}
