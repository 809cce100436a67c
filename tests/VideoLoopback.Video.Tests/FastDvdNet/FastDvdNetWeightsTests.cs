using System.Collections;
using TorchSharp;
using TorchSharp.PyBridge;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Video.FastDvdNet;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.FastDvdNet;

public sealed class FastDvdNetWeightsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fastdvdnet-weights-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void MissingWeightsFailWithOneLineSayingWhereToPutThemAndHowToFetchThem()
    {
        var missing = Path.Combine(_folder, "model.pth");
        var error = Assert.Throws<FastDvdNetWeightsException>(() => FastDvdNetWeights.Locate(missing));
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains(missing, error.Message);
        Assert.Contains("weights/fastdvdnet/model.pth", error.Message);
        Assert.Contains("scripts/fetch-fastdvdnet.sh", error.Message);
        Assert.Contains("weights/README.md", error.Message);
    }

    [Fact]
    public void PickledStateDictWithModulePrefixLoadsTheSameTensorsAsSafetensors()
    {
        // The released model.pth layout: a DataParallel state dict (keys "module.*", BN counters included),
        // written here with PyBridge's own pickler in PyTorch's zip format.
        Dictionary<string, Tensor> tensors;
        using (var file = SafetensorsFile.Open(FastDvdNetGoldenCase.WeightsPath)) tensors = file.LoadAll();
        var pth = Path.Combine(_folder, "model.pth");
        using (var stream = File.Create(pth)) PyTorchPickler.PickleStateDict(stream, new Hashtable(tensors));

        using var fromPth = FastDvdNetWeights.Load(FastDvdNetWeights.Locate(pth), CPU);
        using var fromSafetensors = FastDvdNetWeights.Load(FastDvdNetGoldenCase.WeightsPath, CPU);
        var expected = fromSafetensors.state_dict();
        var loaded = 0;
        foreach (var (name, tensor) in fromPth.state_dict())
        {
            if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal)) continue;
            Assert.True(tensor.allclose(expected[name], 0, 0), $"{name}: differs between model.pth and weights.safetensors");
            Assert.True(tensor.to(ScalarType.Float32).allclose(tensors["module." + name], 0, 0), $"{name}: differs from the file");
            loaded++;
        }
        Assert.Equal(136, loaded);
    }

    [Fact]
    public void TruncatedLegacyPickleIsRefusedNamingTheFile()
    {
        // The legacy format's first pickle (PyTorch's magic number), then nothing.
        var pth = Path.Combine(_folder, "legacy.pth");
        File.WriteAllBytes(pth, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
        var error = Assert.Throws<FastDvdNetWeightsException>(() => FastDvdNetWeights.Validate(pth));
        Assert.StartsWith(pth + ": ", error.Message);
        Assert.Contains("truncated", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void WrongShapeNamesTheTensor()
    {
        Dictionary<string, Tensor> tensors;
        using (var file = SafetensorsFile.Open(FastDvdNetGoldenCase.WeightsPath)) tensors = file.LoadAll();
        tensors["module.temp2.outc.convblock.3.weight"] = zeros(3, 32, 1, 1);
        var path = Path.Combine(_folder, "bad.safetensors");
        SafetensorsWriter.Write(path, tensors);
        var error = Assert.Throws<FastDvdNetWeightsException>(() => FastDvdNetWeights.Validate(path));
        Assert.Contains("module.temp2.outc.convblock.3.weight", error.Message);
        Assert.Contains("[3,32,3,3]", error.Message);
    }
}
