using System.Text.Json;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sd2;

/// <summary>The SD2.x golden folder (tests/golden/sd2): its files, its tiny models and the comparison the cases share.</summary>
public static class Sd2Golden
{
    /// <summary>README tolerances: text 1e-4, UNet / VAE / img2img 5e-4 (fp32).</summary>
    public const double TextTolerance = 1e-4;
    public const double UnetTolerance = 5e-4;

    public static string PathOf(string name) => GoldenData.Path("sd2", name);

    public static SafetensorsFile Open(string name) => SafetensorsFile.Open(PathOf(name));

    public static JsonDocument Json(string name) => JsonDocument.Parse(File.ReadAllText(PathOf(name)));

    /// <summary>The tensor names of a golden file that end in <paramref name="suffix"/>, without it, sorted.</summary>
    public static TheoryData<string> CasesOf(string file, string suffix) => GoldenTensors.CasesOf(PathOf(file), suffix);

    /// <summary>A tiny model loaded as a user's checkpoint is: head sizes from its sidecar config, prediction decided at load.</summary>
    public static StableDiffusionModel Load(string name, Func<StableDiffusionLoadOptions, StableDiffusionLoadOptions>? adjust = null)
    {
        var path = PathOf(name);
        var options = StableDiffusionLoadOptions.ForCheckpoint(path, ModuleDevice.Cpu);
        return StableDiffusionModel.Load(path, adjust is null ? options : adjust(options));
    }

    /// <summary>Asserts |actual − expected| ≤ tolerance everywhere, naming the case and the error; returns the max error.</summary>
    public static double AssertClose(string what, Tensor expected, Tensor actual, double tolerance) =>
        GoldenTensors.AssertClose(what, expected, actual, tolerance);
}
