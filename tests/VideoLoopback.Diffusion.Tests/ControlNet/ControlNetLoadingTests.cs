using VideoLoopback.Diffusion.ControlNet;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Tests.Lora;
using VideoLoopback.Diffusion.Tests.Safetensors;
using VideoLoopback.Diffusion.Unet;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.ControlNet;

/// <summary>
/// The three LDM layouts give the same network as the 1.1 release file; files of another family or size, and bad control
/// arguments, are refused with a message naming the problem.
/// </summary>
[Trait("Area", "adapters")]
public class ControlNetLoadingTests
{
    private static string ReleaseFile => Path.Combine(AdapterGolden.ControlNetFolder, "tiny_controlnet_A.safetensors");
    private static string TinyModel => Path.GetFullPath(Path.Combine(AdapterGolden.ControlNetFolder, "..", "..", "sd15", "tiny-sd15.safetensors"));

    private static Dictionary<string, Tensor> ReleaseTensors()
    {
        using var file = SafetensorsFile.Open(ReleaseFile);
        return file.Entries.ToDictionary(e => e.Name, e => file.Load(e.Name));
    }

    private static void AssertSameParameters(ControlNetModel expected, ControlNetModel actual)
    {
        var a = expected.named_parameters().ToList();
        var b = actual.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(a.Count, b.Count);
        foreach (var (name, p) in a) Assert.True(AdapterGolden.BitEqual(p, b[name]), $"parameter '{name}' differs");
    }

    [Fact]
    public void PrefixLessAndWholeCheckpointLayoutsLoadTheSameWeights()
    {
        using var scope = NewDisposeScope();
        using var unet = AdapterGolden.LoadUnet(TinyModel);
        using var release = ControlNetModel.Load(ReleaseFile, unet.Config, ModuleDevice.Cpu);
        using var folder = new TempFolder();
        var tensors = ReleaseTensors();

        var prefixLess = Path.Combine(folder.Root, "prefixless.safetensors");
        SafetensorsWriter.Write(prefixLess, tensors.ToDictionary(p => p.Key[ControlNetModel.ReleasePrefix.Length..], p => p.Value));
        using (var model = ControlNetModel.Load(prefixLess, unet.Config, ModuleDevice.Cpu)) AssertSameParameters(release, model);

        var withCheckpoint = Path.Combine(folder.Root, "control_sd15_tiny.safetensors");
        using (var sd = SafetensorsFile.Open(TinyModel))
            foreach (var entry in sd.Entries) tensors[entry.Name] = sd.Load(entry.Name);
        SafetensorsWriter.Write(withCheckpoint, tensors);
        using (var model = ControlNetModel.Load(withCheckpoint, unet.Config, ModuleDevice.Cpu)) AssertSameParameters(release, model);
    }

    [Fact]
    public void PickledReleaseFileLoadsTheSameWeights()
    {
        using var scope = NewDisposeScope();
        using var unet = AdapterGolden.LoadUnet(TinyModel);
        using var release = ControlNetModel.Load(ReleaseFile, unet.Config, ModuleDevice.Cpu);
        using var folder = new TempFolder();
        // control_v11*.pth are plain state dicts in PyTorch's zip format; written here with PyBridge's pickler.
        var pth = Path.Combine(folder.Root, "control_v11p_sd15_tiny.pth");
        using (var stream = File.Create(pth)) TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(stream, new System.Collections.Hashtable(ReleaseTensors()));
        using var model = ControlNetModel.Load(pth, unet.Config, ModuleDevice.Cpu);
        AssertSameParameters(release, model);
    }

    [Fact]
    public void APickleThatIsNotAStateDictIsRefusedNamingTheFile()
    {
        using var folder = new TempFolder();
        var pth = Path.Combine(folder.Root, "broken.pth");
        File.WriteAllBytes(pth, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
        var error = Assert.Throws<InvalidDataException>(() => ControlNetModel.Load(pth, UnetConfig.StableDiffusion15(), ModuleDevice.Meta));
        Assert.Contains(pth, error.Message);
    }

    [Fact]
    public void ControlNetForAnotherSizeIsRefused()
    {
        var error = Assert.ThrowsAny<Exception>(() => ControlNetModel.Load(ReleaseFile, UnetConfig.StableDiffusion15(), ModuleDevice.Meta));
        Assert.Contains("tiny_controlnet_A.safetensors", error.Message);
        Assert.Contains("another model family or size", error.Message);
    }

    [Fact]
    public void FileOfAnotherFamilyIsRefused()
    {
        var lora = Path.Combine(AdapterGolden.LoraFolder, "tiny_lora_r4_a2.safetensors");
        var error = Assert.ThrowsAny<Exception>(() => ControlNetModel.Load(lora, UnetConfig.StableDiffusion15(), ModuleDevice.Meta));
        Assert.Contains("tiny_lora_r4_a2.safetensors", error.Message);
        Assert.Contains("not a ControlNet", error.Message);
    }

    [Fact]
    public void UnetRefusesAControlListOfTheWrongLength()
    {
        using var scope = NewDisposeScope();
        using var unet = AdapterGolden.LoadUnet(TinyModel);
        var x = randn(1, 4, 16, 16);
        var error = Assert.Throws<ArgumentException>(() => unet.Forward(x, tensor(new[] { 500f }), randn(1, 77, 8), [zeros(1)]));
        Assert.Contains("13 residuals", error.Message);
    }

    [Fact]
    public void ZeroResidualsLeaveEpsUnchanged()
    {
        using var scope = NewDisposeScope();
        using var unet = AdapterGolden.LoadUnet(TinyModel);
        using var controlNet = ControlNetModel.Load(ReleaseFile, unet.Config, ModuleDevice.Cpu);
        var x = randn(1, 4, 16, 16);
        var t = tensor(new[] { 300f });
        var context = randn(1, 77, 8);
        var control = controlNet.Forward(x, t, context, rand(1, 3, 128, 128)).Select(c => zeros_like(c)).ToArray();
        Assert.True(AdapterGolden.BitEqual(unet.Forward(x, t, context), unet.Forward(x, t, context, control)), "zero control changed eps");
    }

    [Fact]
    public void HintOfTheWrongSizeIsRefused()
    {
        using var scope = NewDisposeScope();
        using var unet = AdapterGolden.LoadUnet(TinyModel);
        using var controlNet = ControlNetModel.Load(ReleaseFile, unet.Config, ModuleDevice.Cpu);
        var error = Assert.Throws<ArgumentException>(() => controlNet.Forward(randn(1, 4, 16, 16), tensor(new[] { 1f }), randn(1, 77, 8), rand(1, 3, 64, 64)));
        Assert.Contains("[B,3,128,128]", error.Message);
    }
}
