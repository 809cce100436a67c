using System.Text.Json;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.FastDvdNet;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.FastDvdNet;

/// <summary>
/// A FastDVDNet state dict in the layout of the released model.pth (keys "module.*", PyTorch's legacy serialization, as
/// PyTorch 1.1 wrote it), saved by PyTorch 1.13 with <c>_use_new_zipfile_serialization=False</c> (tests/golden/sd15/pickles).
/// Its tensors are views (overlapping strides, offsets, 0-dim counters) of three shared storages, which are also stored
/// as plain safetensors with the views listed in JSON: the twin built from them must load and denoise identically.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "fastdvdnet")]
public sealed class FastDvdNetLegacyWeightsTests : IDisposable
{
    private static string Pickles(string name) => GoldenData.Path("sd15", "pickles", name);

    private readonly string _folder = Directory.CreateTempSubdirectory("fastdvdnet-legacy-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>The state dict rebuilt from the plain storages through each tensor's recorded offset, shape and strides.</summary>
    private static Dictionary<string, Tensor> Twin()
    {
        using var storages = SafetensorsFile.Open(Pickles("fastdvdnet-storages.safetensors"));
        using var views = JsonDocument.Parse(File.ReadAllText(Pickles("fastdvdnet-views.json")));
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var view in views.RootElement.EnumerateObject())
        {
            var v = view.Value;
            using var storage = storages.Load(v.GetProperty("storage").GetString()!);
            long[] Longs(string p) => v.GetProperty(p).EnumerateArray().Select(e => e.GetInt64()).ToArray();
            result[view.Name] = storage.as_strided(Longs("shape"), Longs("stride"), v.GetProperty("offset").GetInt64()).contiguous();
        }
        return result;
    }

    [Fact]
    public void TheReleasedLegacyLayoutLoadsBitForBitWithoutAResave()
    {
        var twin = Twin();
        using var model = FastDvdNetWeights.Load(FastDvdNetWeights.Validate(Pickles("fastdvdnet-legacy.pth")), CPU);
        int compared = 0;
        foreach (var (name, tensor) in model.state_dict())
        {
            if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal)) continue;
            var expected = twin["module." + name];
            Assert.True(expected.shape.SequenceEqual(tensor.shape), $"{name}: shape differs");
            Assert.True(tensor.eq(expected).all().item<bool>(), $"{name}: differs from the tensor PyTorch saved");
            compared++;
        }
        Assert.Equal(136, compared);
    }

    [Fact]
    public void TheLegacyFileDenoisesExactlyAsItsSafetensorsTwin()
    {
        var twinPath = Path.Combine(_folder, "model.safetensors");
        SafetensorsWriter.Write(twinPath, Twin());
        var c = new FastDvdNetGoldenCase(FastDvdNetGoldenCase.Names().First());
        using var fromPth = new FastDvdNetPostProcess(FastDvdNetWeights.Load(Pickles("fastdvdnet-legacy.pth"), CPU));
        using var fromTwin = new FastDvdNetPostProcess(FastDvdNetWeights.Load(twinPath, CPU));
        using var input = c.Tensor("frame0_model_input");
        using var a = fromPth.DenoiseWindow(input, c.NoiseSigma);
        using var b = fromTwin.DenoiseWindow(input, c.NoiseSigma);
        Assert.True(a.isfinite().all().item<bool>(), "the denoised window is not finite");
        Assert.True(a.eq(b).all().item<bool>(), $"denoised windows differ by {(a - b).abs().max().item<float>()}");
    }
}
