using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>
/// The tiny SDXL UNet in bfloat16 and float16 against the float32 goldens (unet.safetensors), at the tolerance
/// <see cref="ReducedPrecisionTolerance"/> derives from its layers: the timestep and label embeddings are summed in float32
/// and rounded once, the rest runs in the reduced dtype.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sdxl")]
public class SdxlUnetReducedPrecisionTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string File = "unet.safetensors";

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var caseName in SdxlGolden.CasesOf(File, ".eps"))
            foreach (var dtype in new[] { "bf16", "fp16" }) data.Add(caseName, dtype);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EpsIsWithinTheDerivedTolerance(string caseName, string dtype)
    {
        using var scope = NewDisposeScope();
        using var golden = SdxlGolden.Open(File);
        var precision = ComputePrecision.Parse(dtype);
        using var unet = SdxlGolden.LoadUnet(golden.Metadata["model"], new ModuleDevice(CPU, precision));
        using var noGrad = no_grad();
        var eps = unet.Forward(golden.Load(caseName + ".x"), golden.Load(caseName + ".timesteps"), golden.Load(caseName + ".context"),
            y: golden.Load(caseName + ".y"));
        Assert.Equal(ScalarType.Float32, eps.dtype);
        var expected = golden.Load(caseName + ".eps");
        var tolerance = ReducedPrecisionTolerance.For(unet, precision, CPU, expected);
        using var diff = (eps - expected).abs().max();
        double error = diff.item<float>();
        output.WriteLine($"{caseName} {dtype}: max-abs error {error:E3}, tolerance {tolerance.MaxAbs:E3}");
        Assert.True(error <= tolerance.MaxAbs,
            $"{File} {caseName} in {dtype}: max-abs error {error:E3} exceeds the derived tolerance {tolerance.MaxAbs:E3} ({tolerance}) by {error / tolerance.MaxAbs:F2}x");
    }
}
