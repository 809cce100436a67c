using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Pipelines;

/// <summary>
/// A VAE whose activations overflow float16 (as the original SDXL VAE's do) decodes in float16 to non-finite pixels; the
/// model then moves the VAE to float32 once, says so, and decodes what fp32 decodes.
/// </summary>
public class VaePrecisionFallbackTests
{
    private static StableDiffusionModel Load(ScalarType dtype)
    {
        var path = GoldenData.Path("sd15", "tiny-sd15.safetensors");
        return StableDiffusionModel.Load(path, StableDiffusionLoadOptions.ForCheckpoint(path, new ModuleDevice(CPU, dtype)));
    }

    /// <summary>Scales the decoder's first convolution so its outputs exceed float16's range (65504) but not float32's.</summary>
    private static void MakeOverflowFloat16(StableDiffusionModel model)
    {
        using var noGrad = no_grad();
        var weight = model.Vae.named_parameters().Single(p => p.name == "decoder.conv_in.weight").parameter;
        weight.mul_(2e4);
        Assert.True(weight.isfinite().all().item<bool>(), "the scaled weights themselves must stay finite in float16");
    }

    [Fact]
    public void Float16OverflowFallsBackToFloat32Once()
    {
        using var scope = NewDisposeScope();
        using var half = Load(ScalarType.Float16);
        using var full = Load(ScalarType.Float32);
        MakeOverflowFloat16(half);
        MakeOverflowFloat16(full);
        var warnings = new List<string>();
        half.Warning = warnings.Add;
        using var generator = new Generator(3);
        var latents = randn([2, 4, 8, 8], generator: generator);

        var decoded = half.DecodeLatents(latents);

        Assert.True(decoded.isfinite().all().item<bool>(), "the decode after the fallback has non-finite pixels");
        Assert.Equal(ScalarType.Float32, half.Vae.On.DType);
        Assert.Single(warnings);
        Assert.Contains("float32", warnings[0]);
        // The fp16 model's weights were rounded to fp16 when loaded; the fp32 model's were not.
        double diff = (decoded - full.DecodeLatents(latents)).abs().max().item<float>();
        Assert.True(diff < 2e-2, $"fallback decode differs from the fp32 model's by {diff:E3}");
        half.DecodeLatents(latents);
        Assert.Single(warnings);
    }

    [Fact]
    public void Float16VaeThatDoesNotOverflowStaysFloat16()
    {
        using var scope = NewDisposeScope();
        using var half = Load(ScalarType.Float16);
        var warnings = new List<string>();
        half.Warning = warnings.Add;
        using var generator = new Generator(4);
        var decoded = half.DecodeLatents(randn([1, 4, 8, 8], generator: generator));
        Assert.True(decoded.isfinite().all().item<bool>());
        Assert.Equal(ScalarType.Float16, half.Vae.On.DType);
        Assert.Empty(warnings);
    }
}
