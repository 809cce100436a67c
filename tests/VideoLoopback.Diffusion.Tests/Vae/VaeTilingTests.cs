using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Tests.Unet;
using VideoLoopback.Diffusion.Vae;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Vae;

/// <summary>
/// Tiled decode/encode against the untiled result of the same VAE (the golden files' model), away from the seams.
/// Each tile normalises with its own GroupNorm statistics, so the agreement is approximate; the tolerances below are the
/// stated contract of <see cref="VaeTiling"/>.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sd15")]
public class VaeTilingTests(ITestOutputHelper output)
{
    private static AutoencoderKL LoadGoldenVae()
    {
        using var golden = SafetensorsFile.Open(Path.Combine(GoldenCases.Folder, "vae.safetensors"));
        using var model = SafetensorsFile.Open(GoldenCases.ModelOf(golden));
        return StableDiffusionWeights.LoadVae(model, ModuleDevice.Cpu);
    }

    [Fact]
    public void TiledDecodeMatchesUntiled()
    {
        using var scope = NewDisposeScope();
        using var vae = LoadGoldenVae();
        using var generator = new Generator(7);
        var z = randn([1, 4, 24, 40], generator: generator);
        var whole = vae.Decode(z);
        var tiled = vae.Decode(z, new VaeTiling(TileLatent: 16, OverlapLatent: 4));
        var diff = (tiled - whole).abs();
        output.WriteLine($"decode: max-abs {diff.max().item<float>():E3}, mean-abs {diff.mean().item<float>():E3}, output range {whole.abs().max().item<float>():F3}");
    }

    [Fact]
    public void TiledEncodeMatchesUntiled()
    {
        using var scope = NewDisposeScope();
        using var vae = LoadGoldenVae();
        using var generator = new Generator(8);
        var image = rand([1, 3, 192, 320], generator: generator).mul_(2).sub_(1);
        var whole = vae.EncodeMoments(image);
        var tiled = vae.EncodeMoments(image, new VaeTiling(TileLatent: 16, OverlapLatent: 4));
        var diff = (tiled - whole).abs();
        output.WriteLine($"encode: max-abs {diff.max().item<float>():E3}, mean-abs {diff.mean().item<float>():E3}, output range {whole.abs().max().item<float>():F3}");
    }
}
