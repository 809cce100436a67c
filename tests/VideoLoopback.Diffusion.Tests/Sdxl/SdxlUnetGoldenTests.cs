using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Unet;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>
/// unet.safetensors: the raw eps of the tiny SDXL UNet (sgm UNetModel: per-level transformer depths [0,1,2], label_emb over
/// the vector y) for each case's x, timesteps, context and y; the model is the golden file's "model" checkpoint.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sdxl")]
public class SdxlUnetGoldenTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string File = "unet.safetensors";

    public static TheoryData<string> Cases() => SdxlGolden.CasesOf(File, ".eps");

    [Theory]
    [MemberData(nameof(Cases))]
    public void UnetMatchesSgm(string caseName)
    {
        using var scope = NewDisposeScope();
        using var golden = SdxlGolden.Open(File);
        using var unet = SdxlGolden.LoadUnet(golden.Metadata.TryGetValue("model", out var model) ? model : SdxlGolden.TinyCheckpoint);
        using var noGrad = no_grad();
        var eps = unet.Forward(golden.Load(caseName + ".x"), golden.Load(caseName + ".timesteps"), golden.Load(caseName + ".context"),
            y: golden.Load(caseName + ".y"));
        double error = SdxlGolden.AssertClose($"{File} {caseName}", golden.Load(caseName + ".eps"), eps, SdxlGolden.EpsTolerance);
        output.WriteLine($"{caseName}: max abs error {error:E2}");
    }
}
