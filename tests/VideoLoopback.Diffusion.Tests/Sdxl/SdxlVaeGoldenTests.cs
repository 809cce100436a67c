using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>
/// vae.safetensors: the tiny SDXL checkpoint's VAE (first_stage_model.*) against sgm's AutoencoderKL: posterior mean and std of
/// an encode, and decodes of a latent and of the posterior mean, square and non-square.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sdxl")]
public class SdxlVaeGoldenTests
{
    private const double Tolerance = 5e-4;

    public static TheoryData<string> Cases() => SdxlGolden.CasesOf("vae.safetensors", ".image");

    [Theory]
    [MemberData(nameof(Cases))]
    public void EncodeAndDecodeMatchSgm(string caseName)
    {
        using var scope = NewDisposeScope();
        using var golden = SdxlGolden.Open("vae.safetensors");
        using var file = StateDictFile.Open(SdxlGolden.PathOf(SdxlGolden.Model));
        using var vae = StableDiffusionWeights.LoadVae(file, ModuleDevice.Cpu);
        using var noGrad = no_grad();
        Tensor G(string what) => golden.Load($"{caseName}.{what}");
        using var posterior = vae.Encode(G("image"));
        SdxlGolden.AssertClose($"{caseName} posterior_mean", G("posterior_mean"), posterior.Mean, Tolerance);
        SdxlGolden.AssertClose($"{caseName} posterior_std", G("posterior_std"), posterior.Std(), Tolerance);
        SdxlGolden.AssertClose($"{caseName} decoded", G("decoded"), vae.Decode(G("latent")), Tolerance);
        SdxlGolden.AssertClose($"{caseName} decoded_mean", G("decoded_mean"), vae.Decode(G("posterior_mean")), Tolerance);
    }
}
