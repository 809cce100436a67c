using System.Text.Json;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.FastDvdNet;

namespace VideoLoopback.Video.Tests.FastDvdNet;

/// <summary>
/// FastDVDNet weights are recognised by the checkpoint inspector through the detector this assembly registers
/// (<see cref="VideoCheckpointDetectors"/>): the full-size key manifest and the golden weights file are complete.
/// </summary>
public class FastDvdNetDetectionTests
{
    [Fact]
    [Trait("Category", "Golden")]
    [Trait("Area", "fastdvdnet")]
    public void FastDvdNetManifestIsDetected()
    {
        var path = GoldenData.Path("loopback", "fastdvdnet", "weights_manifest.json");
        var info = CheckpointInspector.Inspect("fastdvdnet", ReadManifest(path), VideoCheckpointDetectors.All);
        AssertComplete(info);
        Assert.Equal(ManifestParameters(path), Component(info, "fastdvdnet").Parameters);
        Assert.Equal(26, Component(info, "ignored").Tensors); // the BatchNorm num_batches_tracked counters
    }

    [Fact]
    [Trait("Category", "Golden")]
    [Trait("Area", "fastdvdnet")]
    public void GoldenWeightsFileIsDetected()
    {
        using var file = SafetensorsFile.Open(FastDvdNetGoldenCase.WeightsPath);
        AssertComplete(CheckpointInspector.Inspect(file, VideoCheckpointDetectors.All));
        // Without the detector the diffusion inspector does not know the layout, and says what it expected.
        var unknown = CheckpointInspector.Inspect(file);
        Assert.Equal(CheckpointFamily.Unknown, unknown.Family);
        Assert.DoesNotContain("FastDVDNet", unknown.Description);
        Assert.Contains("FastDVDNet weights (module.temp1.*, module.temp2.*)",
            CheckpointInspector.Inspect("other", [new TensorDescriptor("x", [1], SafetensorsDType.F32)], VideoCheckpointDetectors.All).Description);
    }

    private static void AssertComplete(CheckpointInfo info)
    {
        Assert.True(FastDvdNetKeys.Family == info.Family, $"{info.Source}: detected {info.Family} ({info.Description}), expected FastDVDNet");
        Assert.True(info.MissingKeys.Count == 0, $"{info.Source}: missing {string.Join(", ", info.MissingKeys.Take(5))}");
        Assert.True(info.UnexpectedKeys.Count == 0, $"{info.Source}: unexpected {string.Join(", ", info.UnexpectedKeys.Take(5))}");
        info.EnsureSupported();
    }

    private static CheckpointComponent Component(CheckpointInfo info, string name) =>
        info.Components.SingleOrDefault(c => c.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"{info.Source}: no '{name}' component; has {string.Join(", ", info.Components.Select(c => c.Name))}");

    private static List<TensorDescriptor> ReadManifest(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.GetProperty("keys").EnumerateArray()
            .Select(k => new TensorDescriptor(k.GetProperty("name").GetString()!,
                k.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(),
                k.GetProperty("dtype").GetString() switch
                {
                    "torch.float32" => SafetensorsDType.F32,
                    "torch.int64" => SafetensorsDType.I64,
                    var other => throw new InvalidDataException($"{path}: dtype {other} not expected in the FastDVDNet manifest"),
                }))
            .ToList();
    }

    private static long ManifestParameters(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return long.Parse(doc.RootElement.GetProperty("n_params").ToString(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
