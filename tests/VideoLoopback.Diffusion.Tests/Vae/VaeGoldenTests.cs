using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Tests.Unet;
using VideoLoopback.Diffusion.Vae;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Vae;

/// <summary>
/// AutoencoderKL against the reference: <c>NAME.image -> NAME.moments/.mean/.logvar/.std</c> (encode) and
/// <c>NAME.z -> NAME.image</c> (decode), for every such case of the golden folder, model from the file's metadata.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sd15")]
public class VaeGoldenTests(ITestOutputHelper output)
{
    private const double Tolerance = 5e-4;

    public static TheoryData<string, string> EncodeCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (file, name) in GoldenCases.Find(".moments", ".image")) data.Add(file, name);
        return data;
    }

    public static TheoryData<string, string> DecodeCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (file, name) in GoldenCases.Find(".image", ".z")) data.Add(file, name);
        return data;
    }

    [Theory]
    [MemberData(nameof(EncodeCases))]
    public void EncodeMatchesReference(string goldenFile, string caseName)
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(Path.Combine(GoldenCases.Folder, goldenFile));
        using var model = SafetensorsFile.Open(GoldenCases.ModelOf(golden));
        using var vae = StableDiffusionWeights.LoadVae(model, ModuleDevice.Cpu);
        var image = golden.Load(caseName + ".image");
        var moments = vae.EncodeMoments(image);
        using var posterior = new DiagonalGaussian(moments);
        Compare(golden, caseName, "moments", moments);
        Compare(golden, caseName, "mean", posterior.Mean);
        Compare(golden, caseName, "logvar", posterior.LogVar);
        Compare(golden, caseName, "std", posterior.Std());
    }

    [Theory]
    [MemberData(nameof(DecodeCases))]
    public void DecodeMatchesReference(string goldenFile, string caseName)
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(Path.Combine(GoldenCases.Folder, goldenFile));
        using var model = SafetensorsFile.Open(GoldenCases.ModelOf(golden));
        using var vae = StableDiffusionWeights.LoadVae(model, ModuleDevice.Cpu);
        Compare(golden, caseName, "image", vae.Decode(golden.Load(caseName + ".z")));
    }

    /// <summary>A standalone VAE file (keys without prefix, plus training-only loss.* keys) loads and decodes like the checkpoint's.</summary>
    [Theory]
    [MemberData(nameof(DecodeCases))]
    public void StandaloneVaeFileDecodesLikeTheCheckpoint(string goldenFile, string caseName)
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(Path.Combine(GoldenCases.Folder, goldenFile));
        var standalone = Path.Combine(Path.GetTempPath(), $"standalone-vae-{Guid.NewGuid():N}.safetensors");
        try
        {
            using (var model = SafetensorsFile.Open(GoldenCases.ModelOf(golden)))
            {
                var tensors = model.LoadAll(k => k.StartsWith(StableDiffusionWeights.VaePrefix, StringComparison.Ordinal))
                    .ToDictionary(kv => kv.Key[StableDiffusionWeights.VaePrefix.Length..], kv => kv.Value);
                tensors["loss.logvar"] = zeros(1);
                SafetensorsWriter.Write(standalone, tensors);
            }
            using var file = SafetensorsFile.Open(standalone);
            using var vae = StableDiffusionWeights.LoadVae(file, ModuleDevice.Cpu);
            Compare(golden, caseName, "image", vae.Decode(golden.Load(caseName + ".z")));
        }
        finally
        {
            File.Delete(standalone);
        }
    }

    private void Compare(SafetensorsFile golden, string caseName, string what, Tensor actual)
    {
        var error = GoldenCases.MaxAbs(actual, golden.Load($"{caseName}.{what}"));
        output.WriteLine($"{Path.GetFileName(golden.FilePath)} {caseName}.{what}: max-abs {error:E3}");
        Assert.True(error <= Tolerance, $"{Path.GetFileName(golden.FilePath)} {caseName}.{what}: max-abs error {error:E3} exceeds {Tolerance:E1}");
    }
}
