using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Tests.Text;
using VideoLoopback.Diffusion.Tests.Unet;
using VideoLoopback.Diffusion.Text;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.ReducedPrecision;

/// <summary>
/// The tiny golden models (CLIP, UNet, VAE; every golden file's model, e.g. tiny-unet-b with other widths) computed in
/// bfloat16 and float16 against the float32 goldens, at the tolerance <see cref="ReducedPrecisionTolerance"/> derives
/// from each model's layers. A failure names the case, the dtype and the factor by which the error exceeds the tolerance.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sd15")]
public class ReducedPrecisionGoldenTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, string> UnetCases() => WithDtypes(GoldenCases.Find(".eps", ".timesteps"));
    public static TheoryData<string, string, string> VaeDecodeCases() => WithDtypes(GoldenCases.Find(".image", ".z"));
    public static TheoryData<string, string, string> VaeEncodeCases() => WithDtypes(GoldenCases.Find(".moments", ".image"));
    public static TheoryData<string, string, string> ClipCases() => WithDtypes(GoldenCases.Find(".last_hidden_state", ".input_ids"));

    private static TheoryData<string, string, string> WithDtypes(IEnumerable<(string File, string Case)> cases)
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (file, name) in cases)
            foreach (var dtype in new[] { "bf16", "fp16" }) data.Add(file, name, dtype);
        return data;
    }

    [Theory]
    [MemberData(nameof(UnetCases))]
    public void UnetEpsIsWithinTheDerivedTolerance(string goldenFile, string caseName, string dtype)
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(Path.Combine(GoldenCases.Folder, goldenFile));
        var modelPath = GoldenCases.ModelOf(golden);
        using var model = SafetensorsFile.Open(modelPath);
        using var unet = StableDiffusionWeights.LoadUnet(model, new ModuleDevice(CPU, ComputePrecision.Parse(dtype)), GoldenCases.HeadsOf(modelPath));
        var eps = unet.Forward(golden.Load(caseName + ".x"), golden.Load(caseName + ".timesteps"), golden.Load(caseName + ".context"));
        Assert.Equal(ScalarType.Float32, eps.dtype);
        Check($"{goldenFile} {caseName}.eps", unet, eps, golden.Load(caseName + ".eps"), dtype);
    }

    [Theory]
    [MemberData(nameof(VaeDecodeCases))]
    public void VaeDecodeIsWithinTheDerivedTolerance(string goldenFile, string caseName, string dtype)
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(Path.Combine(GoldenCases.Folder, goldenFile));
        using var model = SafetensorsFile.Open(GoldenCases.ModelOf(golden));
        var on = new ModuleDevice(CPU, ComputePrecision.Parse(dtype));
        using var vae = StableDiffusionWeights.LoadVae(model, on);
        var image = vae.Decode(golden.Load(caseName + ".z").to(on.DType));
        Check($"{goldenFile} {caseName}.image", Part(vae, "decoder.", "post_quant_conv."), image, golden.Load(caseName + ".image"), dtype);
    }

    [Theory]
    [MemberData(nameof(VaeEncodeCases))]
    public void VaeEncodeIsWithinTheDerivedTolerance(string goldenFile, string caseName, string dtype)
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(Path.Combine(GoldenCases.Folder, goldenFile));
        using var model = SafetensorsFile.Open(GoldenCases.ModelOf(golden));
        var on = new ModuleDevice(CPU, ComputePrecision.Parse(dtype));
        using var vae = StableDiffusionWeights.LoadVae(model, on);
        var moments = vae.EncodeMoments(golden.Load(caseName + ".image").to(on.DType));
        Check($"{goldenFile} {caseName}.moments", Part(vae, "encoder.", "quant_conv."), moments, golden.Load(caseName + ".moments"), dtype);
    }

    [Theory]
    [MemberData(nameof(ClipCases))]
    public void ClipHiddenStatesAreWithinTheDerivedTolerance(string goldenFile, string caseName, string dtype)
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(Path.Combine(GoldenCases.Folder, goldenFile));
        var modelPath = GoldenCases.ModelOf(golden);
        using var clip = ClipTextModel.FromCheckpoint(modelPath, CPU, ComputePrecision.Parse(dtype), ClipTextModelGoldenTests.HeadCountFor(modelPath));
        var ids = golden.Load(caseName + ".input_ids");
        Assert.Equal(ComputePrecision.Parse(dtype), clip.Encode(ids).dtype);
        Check($"{goldenFile} {caseName}.last_hidden_state", clip, clip.Encode(ids), golden.Load(caseName + ".last_hidden_state"), dtype);
        Check($"{goldenFile} {caseName}.clip_skip2", clip, clip.Encode(ids, clipSkip: 2), golden.Load(caseName + ".clip_skip2"), dtype);
    }

    private static IEnumerable<(string, Tensor)> Part(nn.Module network, params string[] prefixes) =>
        network.named_parameters().Where(p => prefixes.Any(prefix => p.name.StartsWith(prefix, StringComparison.Ordinal)))
            .Select(p => (p.name, (Tensor)p.parameter));

    private void Check(string what, nn.Module network, Tensor actual, Tensor expected, string dtype) =>
        Check(what, network.named_parameters().Select(p => (p.name, (Tensor)p.parameter)), actual, expected, dtype);

    private void Check(string what, IEnumerable<(string, Tensor)> weights, Tensor actual, Tensor expected, string dtype)
    {
        var tolerance = ReducedPrecisionTolerance.For(weights, ComputePrecision.Parse(dtype), CPU, expected);
        var error = GoldenCases.MaxAbs(actual, expected);
        output.WriteLine($"{what} {dtype}: max-abs error {error:E3}, tolerance {tolerance.MaxAbs:E3} ({tolerance})");
        Assert.True(error <= tolerance.MaxAbs,
            $"{what} in {dtype}: max-abs error {error:E3} exceeds the derived tolerance {tolerance.MaxAbs:E3} ({tolerance}) by {error / tolerance.MaxAbs:F2}x");
    }
}
