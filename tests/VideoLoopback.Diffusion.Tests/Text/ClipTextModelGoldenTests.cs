using System.Text.Json;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Text;

/// <summary>
/// The text transformer against HF CLIPTextModel (sd15/clip_text.safetensors): last hidden state,
/// clip skip 2 and pooled output for every case, on the checkpoint named in the file's metadata and on
/// its fp16 copy ("&lt;name&gt;-fp16.safetensors", same model values) where one exists. bfloat16 and float16 compute, at
/// tolerances derived from the model's layers: ReducedPrecisionGoldenTests.
/// </summary>
public class ClipTextModelGoldenTests
{
    private const double Float32Tolerance = 1e-4;

    private static string GoldenFile => GoldenData.Path("sd15", "clip_text.safetensors");

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        using var golden = SafetensorsFile.Open(GoldenFile);
        var cases = golden.Keys.Where(k => k.EndsWith(".input_ids")).Select(k => k[..^".input_ids".Length]).Order();
        foreach (var checkpoint in Checkpoints(golden))
            foreach (var c in cases) data.Add(checkpoint, c);
        return data;
    }

    private static IEnumerable<string> Checkpoints(SafetensorsFile golden)
    {
        string model = golden.Metadata["model"];
        yield return model;
        string fp16 = Path.GetFileNameWithoutExtension(model) + "-fp16.safetensors";
        if (File.Exists(Path.Combine(Path.GetDirectoryName(GoldenFile)!, fp16))) yield return fp16;
    }

    /// <summary>
    /// The tiny models' head count is not derivable from their width (8); it is read from the
    /// "&lt;model&gt;.config.json" written beside them (the fp16 copy shares the fp32 model's config).
    /// </summary>
    internal static int? HeadCountFor(string checkpointPath)
    {
        string folder = Path.GetDirectoryName(checkpointPath)!;
        string stem = Path.GetFileNameWithoutExtension(checkpointPath);
        foreach (var candidate in new[] { stem, stem.EndsWith("-fp16") ? stem[..^5] : stem })
        {
            string config = Path.Combine(folder, candidate + ".config.json");
            if (!File.Exists(config)) continue;
            using var document = JsonDocument.Parse(File.ReadAllText(config));
            if (document.RootElement.TryGetProperty("clip_heads", out var heads)) return heads.GetInt32();
        }
        return null;
    }

    private static ClipTextModel Load(string checkpoint, ScalarType dtype)
    {
        string path = Path.Combine(Path.GetDirectoryName(GoldenFile)!, checkpoint);
        return ClipTextModel.FromCheckpoint(path, CPU, dtype, HeadCountFor(path));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    [Trait("Category", "Golden")]
    [Trait("Area", "sd15")]
    public void HiddenStatesMatchInFloat32(string checkpoint, string caseName)
    {
        using var golden = SafetensorsFile.Open(GoldenFile);
        using var model = Load(checkpoint, ScalarType.Float32);
        using var ids = golden.Load(caseName + ".input_ids");

        using var output = model.EncodeWithHiddenStates(ids);
        using var skip2 = model.Encode(ids, clipSkip: 2);
        using var last = model.Encode(ids);

        AssertClose(golden, caseName, "last_hidden_state", output.LastHiddenState, checkpoint, Float32Tolerance);
        AssertClose(golden, caseName, "last_hidden_state", last, checkpoint, Float32Tolerance);
        AssertClose(golden, caseName, "clip_skip2", skip2, checkpoint, Float32Tolerance);
        AssertClose(golden, caseName, "pooler_output", output.Pooled, checkpoint, Float32Tolerance);
    }

    private static void AssertClose(SafetensorsFile golden, string caseName, string output, Tensor actual, string checkpoint, double tolerance)
    {
        using var expected = golden.Load($"{caseName}.{output}");
        Assert.Equal(expected.shape, actual.shape);
        double maxAbs = (actual.to(ScalarType.Float32) - expected).abs().max().item<float>();
        Assert.True(maxAbs <= tolerance, $"{checkpoint} {caseName}.{output}: max abs diff {maxAbs:G3} > {tolerance:G3}");
    }

    [Fact]
    public void HeadCountFollowsWidth64RuleOrFailsClearly()
    {
        string path = GoldenData.Path("sd15", "tiny-sd15.safetensors");
        using var file = SafetensorsFile.Open(path);
        var ex = Assert.Throws<InvalidDataException>(() => ClipTextConfig.Detect(file, ClipTextModel.LdmPrefix));
        Assert.Contains("head count", ex.Message);
        var config = ClipTextConfig.Detect(file, ClipTextModel.LdmPrefix, headCount: 2);
        Assert.Equal((49408, 77, 8, 32, 4, 2), (config.VocabularySize, config.MaxPositions, config.HiddenSize, config.IntermediateSize, config.LayerCount, config.HeadCount));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClipTextConfig.Detect(file, ClipTextModel.LdmPrefix, headCount: 3));
    }

    [Fact]
    public void ParameterNamesAreCheckpointKeys()
    {
        string path = GoldenData.Path("sd15", "tiny-sd15.safetensors");
        using var file = SafetensorsFile.Open(path);
        using var model = ClipTextModel.FromCheckpoint(file, CPU, ScalarType.Float32, headCount: 2);
        var names = model.named_parameters().Select(p => ClipTextModel.LdmPrefix + p.name).ToHashSet();
        var keys = file.Keys.Where(k => k.StartsWith(ClipTextModel.LdmPrefix) && !k.EndsWith("position_ids")).ToHashSet();
        Assert.True(keys.SetEquals(names), $"differences: {string.Join(", ", keys.Except(names).Concat(names.Except(keys)).Take(5))}");
    }
}
