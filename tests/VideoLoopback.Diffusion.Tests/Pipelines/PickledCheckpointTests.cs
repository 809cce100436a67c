using System.Collections;
using System.Text.Json;
using TorchSharp.PyBridge;
using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Tests.Checkpoints;
using VideoLoopback.Diffusion.Tests.Lora;
using VideoLoopback.Diffusion.Tests.Safetensors;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Pipelines;

/// <summary>Every network loads from a PyTorch pickle just as from the .safetensors with the same tensors.</summary>
[Trait("Area", "sd15")]
public sealed class PickledCheckpointTests
{
    private static StableDiffusionLoadOptions TinyOptions(string? vae = null)
    {
        using var config = JsonDocument.Parse(File.ReadAllText(GoldenData.Path("sd15", "tiny-sd15.config.json")));
        return new StableDiffusionLoadOptions
        {
            UnetHeads = config.RootElement.GetProperty("unet_num_heads").GetInt32(),
            ClipHeads = config.RootElement.GetProperty("clip_heads").GetInt32(),
            VaePath = vae,
        };
    }

    private static Tensor Img2Img(string checkpoint, string? vae = null)
    {
        using var model = StableDiffusionModel.Load(checkpoint, TinyOptions(vae));
        var frame = new Img2ImgFrame(Img2ImgPipelineTests.TestImage(), new Img2ImgParams
        {
            Prompt = "a (cat:1.2)", NegativePrompt = "blurry", Seed = 3, Steps = 2, Denoising = 0.6, CfgScale = 7, Sampler = "Euler a", BatchSize = 2,
        });
        return new Img2ImgPipeline(model).Run([frame])[0];
    }

    [Fact]
    public void Img2ImgWithTheCkptGivesTheSameImagesAsWithTheSafetensors()
    {
        using var fromCkpt = Img2Img(PickleFiles.Path("tiny-sd15-fp16.ckpt"));
        using var fromSafetensors = Img2Img(GoldenData.Path("sd15", "tiny-sd15-fp16.safetensors"));
        Assert.True(Img2ImgPipelineTests.Same(fromCkpt, fromSafetensors), "the .ckpt and the .safetensors give different images");
    }

    [Fact]
    public void AStandaloneVaePtReplacesTheCheckpointsVaeAsItsSafetensorsTwinDoes()
    {
        using var folder = new TempFolder();
        var checkpoint = GoldenData.Path("sd15", "tiny-sd15.safetensors");
        const string prefix = "first_stage_model.";
        Dictionary<string, Tensor> vae;
        using (var file = SafetensorsFile.Open(checkpoint))
            vae = file.LoadAll(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
        var pt = folder.PathOf("tiny.vae.pt");
        using (var stream = File.Create(pt)) PyTorchPickler.PickleStateDict(stream, new Hashtable(vae.ToDictionary(kv => kv.Key, kv => kv.Value.half())));
        var twin = folder.PathOf("tiny.vae.safetensors");
        SafetensorsWriter.Write(twin, vae.ToDictionary(kv => kv.Key, kv => kv.Value.half()));
        using var withPt = Img2Img(checkpoint, pt);
        using var withTwin = Img2Img(checkpoint, twin);
        Assert.True(Img2ImgPipelineTests.Same(withPt, withTwin), "the .vae.pt and its .safetensors twin give different images");
    }

    [Fact]
    public void ALoraPtLoadsTheSameModulesAsItsSafetensors()
    {
        using var folder = new TempFolder();
        var source = Path.Combine(AdapterGolden.LoraFolder, "tiny_lora_r4_a2.safetensors");
        var pt = folder.PathOf("tiny_lora_r4_a2.pt");
        using (var file = SafetensorsFile.Open(source))
        using (var stream = File.Create(pt))
            PyTorchPickler.PickleStateDict(stream, new Hashtable(file.LoadAll()));
        using var fromPt = LoraNetwork.Load(pt);
        using var fromSafetensors = LoraNetwork.Load(source);
        Assert.Equal(fromSafetensors.Modules.Select(m => m.KohyaName), fromPt.Modules.Select(m => m.KohyaName));
        foreach (var (first, second) in fromSafetensors.Modules.Zip(fromPt.Modules))
        {
            var (a, b) = ((LoraModule)first, (LoraModule)second);
            Assert.True(AdapterGolden.BitEqual(a.Down, b.Down) && AdapterGolden.BitEqual(a.Up, b.Up) && a.Alpha == b.Alpha, $"{a.KohyaName} differs");
        }
    }
}
