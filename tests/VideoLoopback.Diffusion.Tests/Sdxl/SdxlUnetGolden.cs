using System.Text.Json;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Unet;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>The tiny SDXL reference model of tests/golden/sdxl and the UNet / ControlNet golden files beside it.</summary>
public static class SdxlUnetGolden
{
    /// <summary>README tolerances (fp32): eps 5e-4, ControlNet residuals 1e-5.</summary>
    public const double EpsTolerance = 5e-4;
    public const double ResidualTolerance = 1e-5;

    public const string UnetPrefix = "model.diffusion_model.";
    public const string TinyCheckpoint = "tiny-sdxl.safetensors";

    public static string PathOf(string name) => GoldenData.Path("sdxl", name);

    public static SafetensorsFile Open(string name) => SafetensorsFile.Open(PathOf(name));

    /// <summary>The tensor names of a golden file that end in <paramref name="suffix"/>, without it, sorted.</summary>
    public static TheoryData<string> CasesOf(string file, string suffix)
    {
        var data = new TheoryData<string>();
        using var golden = Open(file);
        foreach (var entry in golden.Entries.Where(e => e.Name.EndsWith(suffix, StringComparison.Ordinal)).OrderBy(e => e.Name, StringComparer.Ordinal))
            data.Add(entry.Name[..^suffix.Length]);
        return data;
    }

    /// <summary>The UNet heads' width, which the weights do not show (sidecar <c>tiny-sdxl.config.json</c>).</summary>
    public static long HeadChannels()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(PathOf("tiny-sdxl.config.json")));
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
    public static double AssertClose(string what, Tensor expected, Tensor actual, double tolerance)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape),
            $"{what}: shape [{string.Join(",", actual.shape)}], expected [{string.Join(",", expected.shape)}]");
        using var diff = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs().max();
        double max = diff.item<double>();
        Assert.True(max <= tolerance, $"{what}: max abs diff {max:E3} > {tolerance:E1}");
        return max;
    }
}
