using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sd2;

/// <summary>
/// unet.safetensors (eps model) and unet_v.safetensors (v model): the raw output of the tiny SD2.x UNets (linear
/// proj_in/proj_out, heads of a fixed width), loaded through the family as a checkpoint is.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sd2")]
public class Sd2UnetGoldenTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in new[] { "unet.safetensors", "unet_v.safetensors" })
            foreach (var c in Sd2Golden.CasesOf(file, ".eps")) data.Add(file, c);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void UnetMatchesLdm(string file, string caseName)
    {
        using var scope = NewDisposeScope();
        using var golden = Sd2Golden.Open(file);
        using var model = Sd2Golden.Load(golden.Metadata["model"]);
        Assert.True(model.Unet.Config.UseLinearProjection);
        Assert.Equal(16, model.Unet.Config.HeadChannels);
        using var noGrad = no_grad();
        var output1 = model.Unet.Forward(golden.Load(caseName + ".x"), golden.Load(caseName + ".timesteps"), golden.Load(caseName + ".context"));
        double error = Sd2Golden.AssertClose($"{file} {caseName}", golden.Load(caseName + ".eps"), output1, Sd2Golden.UnetTolerance);
        output.WriteLine($"{file} {caseName}: max abs error {error:E2}");
    }
}
