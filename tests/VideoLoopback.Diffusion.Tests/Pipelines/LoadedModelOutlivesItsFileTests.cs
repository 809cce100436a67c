using System.Text.Json;
using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Tests.Checkpoints;
using VideoLoopback.Diffusion.Tests.Lora;
using VideoLoopback.Diffusion.Tests.Safetensors;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Pipelines;

/// <summary>
/// A loaded model owns its weights: the model file (safetensors or pickle) and a LoRA file may be truncated or replaced
/// once loading ends, and renders, LoRA merges and un-merges go on giving the same results. A file truncated while it is
/// being read fails with a clean error naming it.
/// </summary>
[Trait("Area", "sd15")]
public sealed class LoadedModelOutlivesItsFileTests
{
    private static StableDiffusionLoadOptions TinyOptions()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(GoldenData.Path("sd15", "tiny-sd15.config.json")));
        return new StableDiffusionLoadOptions
        {
            UnetHeads = config.RootElement.GetProperty("unet_num_heads").GetInt32(),
            ClipHeads = config.RootElement.GetProperty("clip_heads").GetInt32(),
        };
    }

    private static Tensor Img2Img(StableDiffusionModel model)
    {
        var frame = new Img2ImgFrame(Img2ImgPipelineTests.TestImage(), new Img2ImgParams
        {
            Prompt = "a cat", Seed = 5, Steps = 2, Denoising = 0.6, CfgScale = 7, Sampler = "Euler a",
        });
        return new Img2ImgPipeline(model).Run([frame])[0];
    }

    private static Dictionary<string, Tensor> Weights(StableDiffusionModel model) =>
        StateDictBinding.BoundTensors(model.Unet).Select(t => ("unet." + t.Name, t.Tensor))
            .Concat(StateDictBinding.BoundTensors(model.Vae).Select(t => ("vae." + t.Name, t.Tensor)))
            .Concat(StateDictBinding.BoundTensors(model.TextModel).Select(t => ("text." + t.Name, t.Tensor)))
            .ToDictionary(t => t.Item1, t => t.Item2.detach().clone());

    private static void AssertSameWeights(Dictionary<string, Tensor> expected, StableDiffusionModel model)
    {
        using var scope = NewDisposeScope();
        var actual = Weights(model);
        foreach (var (name, tensor) in expected)
            Assert.True(Img2ImgPipelineTests.Same(tensor, actual[name]), $"weight '{name}' changed");
    }

    [Theory]
    [InlineData("tiny-sd15.safetensors")]
    [InlineData("tiny-sd15-fp16.safetensors")]
    [InlineData("tiny-sd15-fp16.ckpt")]
    public void AModelKeepsRenderingAfterItsFileIsTruncatedAndReplaced(string name)
    {
        using var folder = new TempFolder();
        var source = name.EndsWith(".ckpt", StringComparison.Ordinal) ? PickleFiles.Path(name) : GoldenData.Path("sd15", name);
        var copy = folder.PathOf(name);
        File.Copy(source, copy);
        using var model = StableDiffusionModel.Load(copy, TinyOptions());
        var weights = Weights(model);
        using var before = Img2Img(model);

        using (var truncate = new FileStream(copy, FileMode.Open, FileAccess.Write)) truncate.SetLength(0);
        AssertSameWeights(weights, model);
        using (var afterTruncation = Img2Img(model))
            Assert.True(Img2ImgPipelineTests.Same(before, afterTruncation), "the render changed after the file was truncated");

        File.WriteAllBytes(copy, new byte[4096]);
        File.Delete(copy);
        using (var afterDeletion = Img2Img(model))
            Assert.True(Img2ImgPipelineTests.Same(before, afterDeletion), "the render changed after the file was replaced and deleted");
    }

    [Fact]
    public void ALoraMergesAndUnmergesInPlaceAfterItsFilesAreTruncated()
    {
        using var folder = new TempFolder();
        var checkpoint = folder.PathOf("tiny-sd15.safetensors");
        File.Copy(GoldenData.Path("sd15", "tiny-sd15.safetensors"), checkpoint);
        var loraPath = folder.PathOf("tiny_lora.safetensors");
        File.Copy(Path.Combine(AdapterGolden.LoraFolder, "tiny_lora_r4_a2.safetensors"), loraPath);
        using var model = StableDiffusionModel.Load(checkpoint, TinyOptions());
        using var lora = LoraNetwork.Load(loraPath);
        foreach (var path in new[] { checkpoint, loraPath })
            using (var truncate = new FileStream(path, FileMode.Open, FileAccess.Write)) truncate.SetLength(0);
        var weights = Weights(model);
        using var plain = Img2Img(model);

        model.ApplyLoras([new LoraActivation(lora, 1, 1)]);
        using (var scope = NewDisposeScope())
        {
            var merged = Weights(model);
            var changed = weights.Count(w => !Img2ImgPipelineTests.Same(w.Value, merged[w.Key]));
            Assert.True(changed > 0, "the LoRA merge changed no weight");
        }
        Img2Img(model).Dispose();
        model.ApplyLoras([]);
        AssertSameWeights(weights, model);
        using var unmerged = Img2Img(model);
        Assert.True(Img2ImgPipelineTests.Same(plain, unmerged), "un-merging the LoRA did not restore the render");
    }

    [Fact]
    public void ASafetensorsFileTruncatedWhileOpenFailsCleanlyNamingIt()
    {
        using var folder = new TempFolder();
        var copy = folder.PathOf("tiny-sd15-fp16.safetensors");
        File.Copy(GoldenData.Path("sd15", "tiny-sd15-fp16.safetensors"), copy);
        using var file = SafetensorsFile.Open(copy);
        var last = file.Entries.MaxBy(e => e.End)!;
        using (var truncate = new FileStream(copy, FileMode.Open, FileAccess.Write)) truncate.SetLength(file.DataOffset + last.Begin + 1);

        var error = Assert.Throws<SafetensorsException>(() => file.Load(last.Name, ScalarType.Float32));
        Assert.Equal(copy, error.FilePath);
        Assert.Contains("truncated or replaced while loading", error.Problem);
    }

    [Fact]
    public void APickleTruncatedWhileOpenFailsCleanlyNamingIt()
    {
        using var folder = new TempFolder();
        var copy = folder.PathOf("tiny-sd15-fp16.ckpt");
        File.Copy(PickleFiles.Path("tiny-sd15-fp16.ckpt"), copy);
        using var file = Diffusion.Checkpoints.StateDictFile.Open(copy);
        using (var truncate = new FileStream(copy, FileMode.Open, FileAccess.Write)) truncate.SetLength(1024);

        var error = Assert.Throws<InvalidDataException>(() => { file.LoadAll(); });
        Assert.StartsWith(copy + ":", error.Message);
        Assert.Contains("truncated or replaced while loading", error.Message);
    }
}
