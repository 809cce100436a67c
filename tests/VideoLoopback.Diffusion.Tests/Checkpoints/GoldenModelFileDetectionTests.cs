using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Tests.Shared;

namespace VideoLoopback.Diffusion.Tests.Checkpoints;

/// <summary>
/// Every safetensors file under the golden folder gets the right verdict: the tiny model files are detected
/// as the family their README gives, complete; golden tensor files (inputs and expected outputs) are not
/// taken for models. Golden tensor files that name their model in <c>__metadata__["model"]</c> must point to
/// an SD1.x checkpoint or UNet the engine accepts.
/// </summary>
public class GoldenModelFileDetectionTests
{
    /// <summary>The model files and their families, as stated by the READMEs of each golden area.</summary>
    private static readonly Dictionary<string, CheckpointFamily> ModelFiles = new(StringComparer.Ordinal)
    {
        ["sd15/tiny-sd15.safetensors"] = CheckpointFamily.StableDiffusion1,
        ["sd15/tiny-sd15-fp16.safetensors"] = CheckpointFamily.StableDiffusion1,
        ["sd15/tiny-sd15-inpainting.safetensors"] = CheckpointFamily.StableDiffusion1Inpainting,
        ["sd15/tiny-unet-b.safetensors"] = CheckpointFamily.UNet,
        ["adapters/controlnet/tiny_controlnet_A.safetensors"] = CheckpointFamily.ControlNet,
        ["adapters/controlnet/tiny_controlnet_B.safetensors"] = CheckpointFamily.ControlNet,
        ["adapters/lora/tiny_lora_r4_a2.safetensors"] = CheckpointFamily.Lora,
        ["adapters/lora/tiny_locon_r4_a2_conv2_a1.safetensors"] = CheckpointFamily.LoCon,
    };

    /// <summary>Model files whose layout another assembly teaches the inspector (FastDVDNet: VideoLoopback.Video); tested there.</summary>
    private static readonly HashSet<string> OtherModelFiles = new(StringComparer.Ordinal) { "loopback/fastdvdnet/weights.safetensors" };

    /// <summary>
    /// LyCORIS-family files (kohya module names, other parts): the inspector takes them for kohya LoRA/LoCon files; they are
    /// read and merged by LoraNetwork (LycorisMergeGoldenTests).
    /// </summary>
    private static readonly HashSet<string> LycorisFiles = new(StringComparer.Ordinal)
    {
        "adapters/lycoris/loha.safetensors", "adapters/lycoris/lokr_factorised.safetensors", "adapters/lycoris/full.safetensors",
        "adapters/lycoris/dora.safetensors",
    };

    private static TheoryData<string> FilesUnder(string area)
    {
        var data = new TheoryData<string>();
        var root = GoldenData.Path(area);
        foreach (var path in Directory.EnumerateFiles(root, "*.safetensors", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(GoldenData.Root, path).Replace('\\', '/'));
        return data;
    }

    public static TheoryData<string> Sd15Files() => FilesUnder("sd15");
    public static TheoryData<string> AdapterFiles() => FilesUnder("adapters");
    public static TheoryData<string> LoopbackFiles() => FilesUnder("loopback");
    public static TheoryData<string> SamplingFiles() => FilesUnder("sampling");

    [Theory, Trait("Category", "Golden"), Trait("Area", "sd15"), MemberData(nameof(Sd15Files))]
    public void Sd15File(string relativePath) => CheckVerdict(relativePath);

    [Theory, Trait("Category", "Golden"), Trait("Area", "adapters"), MemberData(nameof(AdapterFiles))]
    public void AdapterFile(string relativePath) => CheckVerdict(relativePath);

    [Theory, Trait("Category", "Golden"), Trait("Area", "fastdvdnet"), MemberData(nameof(LoopbackFiles))]
    public void LoopbackFile(string relativePath) => CheckVerdict(relativePath);

    [Theory, Trait("Category", "Golden"), Trait("Area", "sampling"), MemberData(nameof(SamplingFiles))]
    public void SamplingFile(string relativePath) => CheckVerdict(relativePath);

    [Fact]
    public void EveryListedModelFileExists()
    {
        foreach (var relativePath in ModelFiles.Keys.Concat(OtherModelFiles).Concat(LycorisFiles))
            Assert.True(File.Exists(GoldenData.Path(relativePath)), $"{relativePath} is listed as a model but is not in the golden folder");
    }

    private static void CheckVerdict(string relativePath)
    {
        if (OtherModelFiles.Contains(relativePath)) return;
        using var file = SafetensorsFile.Open(GoldenData.Path(relativePath));
        var info = CheckpointInspector.Inspect(file);
        if (LycorisFiles.Contains(relativePath))
        {
            Assert.Contains(info.Family, new[] { CheckpointFamily.Lora, CheckpointFamily.LoCon });
            return;
        }
        if (ModelFiles.TryGetValue(relativePath, out var expected))
        {
            GoldenManifestDetectionTests.AssertComplete(info, expected);
            if (expected == CheckpointFamily.ControlNet)
                Assert.Equal(ControlNetLayout.ControlModelPrefix, info.ControlNetLayout);
            if (expected == CheckpointFamily.StableDiffusion1Inpainting) Assert.Equal(9, info.UNetInChannels);
            return;
        }

        // A golden tensor file, not a model: it must not pass for one.
        Assert.True(info.Family == CheckpointFamily.Unknown,
            $"{relativePath}: golden tensor file detected as {info.Family} ({info.Description}); if it is a model, list it in {nameof(ModelFiles)}");
        var e = Assert.Throws<CheckpointException>(info.EnsureSupported);
        Assert.Contains("expected an SD1.x or SD2.x checkpoint", e.Problem);

        if (file.Metadata.TryGetValue("model", out var model))
        {
            var modelPath = Path.Combine(Path.GetDirectoryName(file.FilePath)!, model);
            using var modelFile = SafetensorsFile.Open(modelPath);
            var modelInfo = CheckpointInspector.Inspect(modelFile);
            modelInfo.EnsureFamily(CheckpointFamily.StableDiffusion1, CheckpointFamily.StableDiffusion1Inpainting, CheckpointFamily.UNet);
        }
    }
}
