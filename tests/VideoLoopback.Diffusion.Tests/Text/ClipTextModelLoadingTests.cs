using System.Text.Json;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Text;

/// <summary>Checkpoint layouts and dtypes the text model must accept, and the errors it gives otherwise.</summary>
public sealed class ClipTextModelLoadingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vl-clip-").FullName;
    private static string TinyPath => GoldenData.Path("sd15", "tiny-sd15.safetensors");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>The tiny checkpoint's text weights rewritten under <paramref name="prefix"/> in <paramref name="dtype"/>.</summary>
    private string WriteTextWeights(string prefix, ScalarType dtype, bool withPositionIds, string? dropKey = null)
    {
        using var file = SafetensorsFile.Open(TinyPath);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var key in file.Keys.Where(k => k.StartsWith(ClipTextModel.LdmPrefix)))
        {
            string suffix = key[ClipTextModel.LdmPrefix.Length..];
            if (suffix == dropKey) continue;
            bool isPositionIds = suffix.EndsWith("position_ids");
            if (isPositionIds && !withPositionIds) continue;
            tensors.Add(new(prefix + suffix, isPositionIds ? file.Load(key) : file.Load(key, dtype)));
        }
        string path = Path.Combine(_folder, $"clip-{dtype}-{tensors.Count}.safetensors");
        SafetensorsWriter.Write(path, tensors);
        foreach (var (_, t) in tensors) t.Dispose();
        return path;
    }

    [Fact]
    public void LegacyPrefixWithoutTextModelLoadsTheSameModel()
    {
        using var scope = NewDisposeScope();
        string legacy = WriteTextWeights(ClipTextModel.LegacyLdmPrefix, ScalarType.Float32, withPositionIds: false);
        using var reference = ClipTextModel.FromCheckpoint(TinyPath, headCount: 2);
        using var model = ClipTextModel.FromCheckpoint(legacy, headCount: 2);
        var ids = tensor(ClipTokenizer.Default.EncodePadded("a photo of a cat").Select(i => (long)i).ToArray(), [1, 77]);
        Assert.True(model.Encode(ids).eq(reference.Encode(ids)).all().item<bool>(), "same weights under the older prefix must give the same output");
    }

    [Fact]
    public void Bfloat16WeightsAreConvertedToTheComputeDtype()
    {
        using var scope = NewDisposeScope();
        string bf16 = WriteTextWeights(ClipTextModel.LdmPrefix, ScalarType.BFloat16, withPositionIds: true);
        using var file = SafetensorsFile.Open(TinyPath);
        using var model = ClipTextModel.FromCheckpoint(bf16, headCount: 2);
        foreach (var (name, parameter) in model.named_parameters())
        {
            Assert.Equal(ScalarType.Float32, parameter.dtype);
            var expected = file.Load(ClipTextModel.LdmPrefix + name).to(ScalarType.BFloat16).to(ScalarType.Float32);
            Assert.True(parameter.eq(expected).all().item<bool>(), $"{name}: bf16 value not preserved");
        }
    }

    [Fact]
    public void MissingWeightIsNamedInTheError()
    {
        string broken = WriteTextWeights(ClipTextModel.LdmPrefix, ScalarType.Float32, withPositionIds: false, dropKey: "encoder.layers.2.mlp.fc2.bias");
        var ex = Assert.Throws<InvalidDataException>(() => ClipTextModel.FromCheckpoint(broken, headCount: 2));
        Assert.Contains("encoder.layers.2.mlp.fc2.bias", ex.Message);
        Assert.Contains(broken, ex.Message);
    }

    [Fact]
    public void FileWithoutTextEncoderIsRefusedClearly()
    {
        string unetOnly = GoldenData.Path("sd15", "tiny-unet-b.safetensors");
        var ex = Assert.Throws<InvalidDataException>(() => ClipTextModel.FromCheckpoint(unetOnly));
        Assert.Contains("no CLIP text encoder", ex.Message);
    }

    [Theory]
    [InlineData("sd15_v1-inference.json")]
    [InlineData("sd15_inpainting_v1-inpainting-inference.json")]
    [Trait("Category", "Golden")]
    [Trait("Area", "sd15")]
    public void ClipLShapesMatchTheFullSizeManifest(string manifest)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(GoldenData.Path("sd15", "manifests", manifest)));
        var expected = document.RootElement.EnumerateObject()
            .Where(p => p.Name.StartsWith(ClipTextModel.LdmPrefix) && !p.Name.EndsWith("position_ids"))
            .ToDictionary(p => p.Name[ClipTextModel.LdmPrefix.Length..], p => p.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray());
        var actual = ClipTextConfig.ClipL.ParameterShapes().ToDictionary(p => p.Key, p => p.Shape);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, shape) in expected)
            Assert.True(shape.SequenceEqual(actual[key]), $"{manifest}: {key} is [{string.Join(",", shape)}], ClipL gives [{string.Join(",", actual[key])}]");
        Assert.Equal(12, ClipTextConfig.ClipL.HeadCount);
    }
}
