using Spectre.Console.Cli.Testing;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Tests.Commands;

public class InspectCommandTests
{
    private static CommandAppResult Inspect(string path) => InspectWithErrors(path).Result;

    private static (CommandAppResult Result, string Errors) InspectWithErrors(string path) => InProcessCli.Run("inspect", path);

    [Fact]
    public void ReportsTheTinyCheckpoint()
    {
        var result = Inspect(GoldenData.Path("sd15", "tiny-sd15.safetensors"));
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("family: SD1.x checkpoint (LDM single file) (supported)", result.Output);
        Assert.Contains("UNet: 4 input channels, 32 model channels, 4 levels, 2 ResBlocks per level, context width 8", result.Output);
        Assert.Contains("F32 (1006 tensors", result.Output);
        Assert.Contains("I64 (1 tensors, 77 values)", result.Output);
        foreach (var component in new[] { "unet", "vae", "text encoder", "ignored", "total" })
            Assert.Contains(component, result.Output);
        Assert.Contains("missing keys: none", result.Output);
        Assert.Contains("unexpected keys: none", result.Output);
    }

    [Theory]
    [InlineData("sd15/tiny-sd15-inpainting.safetensors", "SD1.x inpainting checkpoint")]
    [InlineData("sd15/tiny-unet-b.safetensors", "UNet-only file (LDM layout)")]
    [InlineData("adapters/controlnet/tiny_controlnet_A.safetensors", "ControlNet (1.1 release layout, control_model.*)")]
    [InlineData("adapters/lora/tiny_locon_r4_a2_conv2_a1.safetensors", "kohya LoCon")]
    [InlineData("loopback/fastdvdnet/weights.safetensors", "FastDVDNet denoiser")]
    public void NamesTheFamily(string relativePath, string family)
    {
        var result = Inspect(GoldenData.Path(relativePath));
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("family: " + family, result.Output);
    }

    [Fact]
    public void NamesTheFamilyOfAPickledControlNet()
    {
        using var folder = new TempFolder();
        var pth = Path.Combine(folder.Root, "control_v11p_sd15_tiny.pth");
        using (var source = SafetensorsFile.Open(GoldenData.Path("adapters/controlnet/tiny_controlnet_A.safetensors")))
        using (var scope = NewDisposeScope())
        using (var stream = File.Create(pth))
            TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(stream, new System.Collections.Hashtable(source.LoadAll()));
        var result = Inspect(pth);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("family: ControlNet (1.1 release layout, control_model.*)", result.Output);
    }

    [Fact]
    public void ListsMissingAndUnexpectedKeys()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Root, "partial.safetensors");
        var dropped = "model.diffusion_model.out.2.bias";
        using (var source = SafetensorsFile.Open(GoldenData.Path("sd15", "tiny-unet-b.safetensors")))
        using (var scope = NewDisposeScope())
        {
            var tensors = source.LoadAll(name => name != dropped);
            tensors["model.diffusion_model.surplus.weight"] = zeros(2);
            SafetensorsWriter.Write(path, tensors);
        }
        var result = Inspect(path);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("missing keys: 1", result.Output);
        Assert.Contains(dropped, result.Output);
        Assert.Contains("unexpected keys: 1", result.Output);
        Assert.Contains("model.diffusion_model.surplus.weight", result.Output);
    }

    [Fact]
    public void BadFileGivesOneLineAndExitCode1()
    {
        using var folder = new TempFolder();
        var empty = Path.Combine(folder.Root, "empty.safetensors");
        File.WriteAllBytes(empty, []);
        InProcessCli.AssertOneErrorLine(InspectWithErrors(empty), $"error: {empty}: file is empty");
        var absent = Path.Combine(folder.Root, "absent.safetensors");
        InProcessCli.AssertOneErrorLine(InspectWithErrors(absent), $"error: {absent}: file not found");
        InProcessCli.AssertOneErrorLine(InspectWithErrors(folder.Root), $"error: {folder.Root}: is a directory");
    }

    [Fact]
    public void UnknownFileSaysWhatWasExpected()
    {
        var path = GoldenData.Path("sampling", "noise.safetensors");
        var run = InspectWithErrors(path);
        InProcessCli.AssertOneErrorLine(run, $"error: {path}: not a recognised model file");
        Assert.Contains("expected an SD1.x or SD2.x checkpoint", run.Errors);
    }

    private sealed class TempFolder : IDisposable
    {
        public string Root { get; } = Directory.CreateTempSubdirectory("vl-inspect-").FullName;

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }
}
