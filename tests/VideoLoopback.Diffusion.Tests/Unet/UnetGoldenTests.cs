using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Safetensors;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Unet;

/// <summary>
/// eps of the LDM UNet (with WebUI's resize-before-concat) for every <c>NAME.x/.timesteps/.context/.eps</c> case of the golden
/// folder, using the model named in each golden file's metadata. Half-precision compute: ReducedPrecisionGoldenTests.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sd15")]
public class UnetGoldenTests(ITestOutputHelper output)
{
    /// <summary>fp32 compute; the reference reproduces itself within ~1e-5.</summary>
    private const double Fp32Tolerance = 5e-4;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (file, name) in GoldenCases.Find(".eps", ".timesteps")) data.Add(file, name);
        return data;
    }

    /// <summary>The same cases loaded from the fp16 copy of the model (<c>NAME-fp16.safetensors</c>) where one exists.</summary>
    public static TheoryData<string, string> Fp16CheckpointCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (file, name) in GoldenCases.Find(".eps", ".timesteps"))
        {
            using var golden = SafetensorsFile.Open(Path.Combine(GoldenCases.Folder, file));
            if (File.Exists(Fp16Copy(GoldenCases.ModelOf(golden)))) data.Add(file, name);
        }
        return data;
    }

    private static string Fp16Copy(string model) => Path.ChangeExtension(model, null) + "-fp16.safetensors";

    [Theory]
    [MemberData(nameof(Cases))]
    public void EpsMatchesReferenceInFloat32(string goldenFile, string caseName)
    {
        using var golden = SafetensorsFile.Open(Path.Combine(GoldenCases.Folder, goldenFile));
        Check(golden, GoldenCases.ModelOf(golden), caseName, ModuleDevice.Cpu, Fp32Tolerance);
    }

    [Theory]
    [MemberData(nameof(Fp16CheckpointCases))]
    public void EpsFromFp16CheckpointMatchesReference(string goldenFile, string caseName)
    {
        // Every parameter of the tiny models is fp16-representable, so fp16 weights computed in fp32 must meet the fp32 tolerance.
        using var golden = SafetensorsFile.Open(Path.Combine(GoldenCases.Folder, goldenFile));
        Check(golden, Fp16Copy(GoldenCases.ModelOf(golden)), caseName, ModuleDevice.Cpu, Fp32Tolerance);
    }

    private void Check(SafetensorsFile golden, string modelPath, string caseName, ModuleDevice on, double tolerance)
    {
        using var scope = NewDisposeScope();
        using var model = SafetensorsFile.Open(modelPath);
        using var unet = StableDiffusionWeights.LoadUnet(model, on, GoldenCases.HeadsOf(GoldenCases.ModelOf(golden)));
        var eps = unet.Forward(golden.Load(caseName + ".x"), golden.Load(caseName + ".timesteps"), golden.Load(caseName + ".context"));
        var error = GoldenCases.MaxAbs(eps, golden.Load(caseName + ".eps"));
        output.WriteLine($"{Path.GetFileName(golden.FilePath)} {caseName} {Path.GetFileName(modelPath)} {on.DType}: max-abs {error:E3}");
        Assert.True(error <= tolerance,
            $"{Path.GetFileName(golden.FilePath)} {caseName} ({Path.GetFileName(modelPath)}, {on.DType}): max-abs error {error:E3} exceeds {tolerance:E1}");
    }
}
