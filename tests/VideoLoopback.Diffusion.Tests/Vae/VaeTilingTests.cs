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
/// Each tile normalises with its own GroupNorm statistics (and the mid-block attention sees only its tile), so the agreement
/// is approximate: the bounds below are the stated contract of <see cref="VaeTiling"/> for this random-weight model, whose
/// per-tile statistics vary far more than a trained VAE's on natural images.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sd15")]
public class VaeTilingTests(ITestOutputHelper output)
{
    private const double DecodeMaxAway = 0.8, DecodeMeanAway = 0.06;
    private const double EncodeMaxAway = 0.15, EncodeMeanAway = 0.03;

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
        // Two tiles side by side: latent columns [0,24) and [16,40), blended over [16,24) = pixels [128,192).
        var z = randn([1, 4, 16, 40], generator: generator);
        var whole = vae.Decode(z);
        var tiled = vae.Decode(z, new VaeTiling(TileLatent: 24, OverlapLatent: 8));
        var diff = (tiled - whole).abs();
        var away = cat([diff[.., .., .., TensorIndex.Slice(0, 112)], diff[.., .., .., TensorIndex.Slice(208, 320)]], 3);
        output.WriteLine($"decode: max-abs {diff.max().item<float>():E3}, away from the seam {away.max().item<float>():E3} (mean {away.mean().item<float>():E3}), output range {whole.abs().max().item<float>():F3}");
        Assert.True(away.max().item<float>() <= DecodeMaxAway && away.mean().item<float>() <= DecodeMeanAway,
            $"tiled decode away from the seam: max-abs {away.max().item<float>():E3} (bound {DecodeMaxAway}), mean {away.mean().item<float>():E3} (bound {DecodeMeanAway})");
    }

    [Fact]
    public void TiledEncodeMatchesUntiled()
    {
        using var scope = NewDisposeScope();
        using var vae = LoadGoldenVae();
        using var generator = new Generator(8);
        var image = rand([1, 3, 128, 320], generator: generator).mul_(2).sub_(1);
        var whole = vae.EncodeMoments(image);
        var tiled = vae.EncodeMoments(image, new VaeTiling(TileLatent: 24, OverlapLatent: 8));
        var diff = (tiled - whole).abs();
        var away = cat([diff[.., .., .., TensorIndex.Slice(0, 14)], diff[.., .., .., TensorIndex.Slice(26, 40)]], 3);
        output.WriteLine($"encode: max-abs {diff.max().item<float>():E3}, away from the seam {away.max().item<float>():E3} (mean {away.mean().item<float>():E3}), output range {whole.abs().max().item<float>():F3}");
        Assert.True(away.max().item<float>() <= EncodeMaxAway && away.mean().item<float>() <= EncodeMeanAway,
            $"tiled encode away from the seam: max-abs {away.max().item<float>():E3} (bound {EncodeMaxAway}), mean {away.mean().item<float>():E3} (bound {EncodeMeanAway})");
    }

    [Fact]
    public void InputWithinOneTileIsNotTiled()
    {
        using var scope = NewDisposeScope();
        using var vae = LoadGoldenVae();
        using var generator = new Generator(9);
        var z = randn([1, 4, 8, 12], generator: generator);
        Assert.True(vae.Decode(z).equal(vae.Decode(z, new VaeTiling(TileLatent: 16, OverlapLatent: 4))).all().item<bool>(),
            "a latent smaller than one tile must decode exactly as untiled");
    }
}
