using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.ControlNet;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>
/// controlnet.safetensors (README-controlnet.md): sd-webui-controlnet's ControlNet built with the tiny SDXL UNet's config
/// ("full": transformers at levels 1 and 2 and in the middle; "small": no attention, a middle transformer of depth 0), its 10
/// residuals for each case's x, timesteps, context, y and hint, and the tiny UNet's eps with them added at weight 1.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sdxl")]
public class SdxlControlNetGoldenTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string File = "controlnet.safetensors";

    public static TheoryData<string> Cases() => SdxlGolden.CasesOf(File, ".eps");

    [Theory]
    [MemberData(nameof(Cases))]
    public void ResidualsAndControlledEpsMatchSdWebuiControlNet(string caseName)
    {
        using var scope = NewDisposeScope();
        using var golden = SdxlGolden.Open(File);
        using var unet = SdxlGolden.LoadUnet(golden.Metadata["model"]);
        var path = SdxlGolden.PathOf(golden.Metadata[caseName]);
        using (var file = StateDictFile.Open(path))
            Assert.Equal(ControlNetLayout.ControlModelPrefix, CheckpointInspector.Inspect(file).ControlNetLayout);
        using var controlNet = ControlNetModel.Load(path, unet.Config, ModuleDevice.Cpu);
        Assert.Equal(10, controlNet.ResidualCount);

        using var noGrad = no_grad();
        Tensor Load(string name) => golden.Load($"{caseName}.{name}");
        var (x, t, context, y) = (Load("x"), Load("timesteps"), Load("context"), Load("y"));
        var residuals = controlNet.Forward(x, t, context, Load("hint"), y);
        double worst = 0;
        for (int i = 0; i < residuals.Length; i++)
            worst = Math.Max(worst, SdxlGolden.AssertClose($"{File} {caseName} residual {i}", Load($"residual.{i}"), residuals[i], SdxlGolden.ResidualTolerance));
        var eps = unet.Forward(x, t, context, residuals, y);
        double epsError = SdxlGolden.AssertClose($"{File} {caseName} eps", Load("eps"), eps, SdxlGolden.EpsTolerance);
        output.WriteLine($"{caseName}: residuals max abs error {worst:E2}, controlled eps {epsError:E2}");
    }
}
