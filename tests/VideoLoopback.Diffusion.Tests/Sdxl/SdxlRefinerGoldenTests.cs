using System.Text.Json;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Sampling.Noise;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Diffusion.Unet;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>
/// The tiny SDXL refiner (tiny-sdxl-refiner.safetensors, sd_xl_refiner.yaml's layout) loaded as a user's file against
/// make_refiner_golden.py's files: WebUI's conditioning (bigG alone, the vector with original size, crop and the aesthetic
/// score: 6 for prompts, 2.5 for negative prompts), UNet eps, and img2img end to end (README-refiner.md).
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sdxl")]
public class SdxlRefinerGoldenTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Model = "tiny-sdxl-refiner.safetensors";

    private static StableDiffusionModel Load()
    {
        var path = SdxlGolden.PathOf(Model);
        var model = StableDiffusionModel.Load(path, StableDiffusionLoadOptions.ForCheckpoint(path, ModuleDevice.Cpu));
        Assert.Same(CheckpointFamilies.StableDiffusionXLRefiner, model.Family);
        return model;
    }

    private static JsonElement ConditioningCases()
    {
        using var golden = SdxlGolden.Open("refiner_conditioning.safetensors");
        using var json = JsonDocument.Parse(golden.Metadata["cases"]);
        return json.RootElement.Clone();
    }

    public static TheoryData<int> Conditioning()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < ConditioningCases().GetArrayLength(); i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Conditioning))]
    public void ConditioningMatchesWebUi(int index)
    {
        var c = ConditioningCases()[index];
        var prompts = c.GetProperty("prompts").EnumerateArray().Select(p => p.GetString()!).ToList();
        bool negative = c.GetProperty("negative").GetBoolean();
        var crop = c.GetProperty("crop_top_left");
        var size = SizeConditioning.ForGeneration(c.GetProperty("width").GetInt32(), c.GetProperty("height").GetInt32(),
            crop[0].GetInt32(), crop[1].GetInt32());
        using var scope = NewDisposeScope();
        using var golden = SdxlGolden.Open("refiner_conditioning.safetensors");
        Assert.Equal(Model, golden.Metadata["model"]);
        using var model = Load();
        var schedules = model.Conditioner(1).GetLearnedConditioning(prompts, steps: 20, negative: negative);
        var entries = schedules.Select(s => Assert.Single(s.Entries)).ToList();
        var cond = stack(entries.Select(e => e.Cond).ToArray());
        var pooled = stack(entries.Select(e => e.Pooled ?? throw new Xunit.Sdk.XunitException($"case {index}: no pooled output")).ToArray());
        var family = model.Family;
        using var vectors = new VectorConditioning(family.VectorValues(size, false), family.VectorValues(size, true),
            model.Unet.Config.AdmInChannels, pooled.shape[1], CPU);
        var vector = negative ? vectors.NegativeRows(pooled) : vectors.Rows(pooled);

        string what = $"case {index} [{string.Join(" | ", prompts)}] negative={negative} {size}";
        double e1 = SdxlGolden.AssertClose(what + " crossattn", golden.Load($"case{index}.crossattn"), cond);
        double e2 = SdxlGolden.AssertClose(what + " vector", golden.Load($"case{index}.vector"), vector);
        bool zeroed = c.GetProperty("zeroed").GetBoolean();
        Assert.True(zeroed == (cond.abs().max().item<float>() == 0 && pooled.abs().max().item<float>() == 0), $"{what}: zeros expected {zeroed}");
        output.WriteLine($"{what}: crossattn {e1:E2}, vector {e2:E2}");
    }

    public static TheoryData<string> UnetCases() => SdxlGolden.CasesOf("refiner_unet.safetensors", ".eps");

    [Theory]
    [MemberData(nameof(UnetCases))]
    public void UnetEpsMatchesSgm(string name)
    {
        using var scope = NewDisposeScope();
        using var golden = SdxlGolden.Open("refiner_unet.safetensors");
        using var model = Load();
        var x = golden.Load(name + ".x");
        Tensor eps;
        using (no_grad())
            eps = model.Unet.Forward(x, golden.Load(name + ".timesteps"), golden.Load(name + ".context"), y: golden.Load(name + ".y"));
        double max = SdxlGolden.AssertClose($"{name} x [{string.Join(",", x.shape)}]", golden.Load(name + ".eps"), eps, SdxlGolden.EpsTolerance);
        output.WriteLine($"{name}: eps max abs diff {max:E2}");
    }

    public static TheoryData<string> Img2ImgCases()
    {
        using var json = SdxlGolden.Json("refiner_img2img.json");
        var data = new TheoryData<string>();
        foreach (var c in json.RootElement.EnumerateObject()) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Img2ImgCases))]
    public void Img2ImgMatchesWebUi(string caseName)
    {
        using (var json = SdxlGolden.Json("refiner_img2img.json"))
            Assert.Equal(Model, json.RootElement.GetProperty(caseName).GetProperty("model").GetString());
        using var model = Load();
        SdxlImg2ImgGoldenTests.CheckCase("refiner_img2img", caseName, model, output);
    }

    private static Dictionary<string, long[]> ManifestShapes()
    {
        using var json = SdxlGolden.Json(Path.Combine("manifests", "sdxl_refiner_sd_xl_refiner.json"));
        return json.RootElement.EnumerateObject().ToDictionary(
            p => p.Name, p => p.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());
    }

    [Fact]
    public void FullSizeRefinerUnetIsReadFromTheManifestAndHasExactlyItsKeys()
    {
        var shapes = ManifestShapes();
        var config = StableDiffusionWeights.DetectUnet(shapes, "sdxl_refiner_sd_xl_refiner.json");
        var reference = UnetConfig.StableDiffusionXLRefiner();
        Assert.True(config.SameArchitecture(reference), $"detected {config}");
        Assert.Equal(64L, config.HeadChannels);
        Assert.Equal(2560L, config.AdmInChannels);
        Assert.Equal(1280L, config.ContextDim);
        Assert.Equal([0, 4, 4, 0], config.ChannelMult.Select((_, level) => config.DepthAt(level)));
        Assert.Equal(4, config.MiddleDepth);
        using var unet = new UnetModel(config, ModuleDevice.Meta);
        var problems = StableDiffusionWeights.Differences(unet, shapes, SdxlGolden.UnetPrefix);
        Assert.True(problems.Count == 0, "UNet: " + string.Join("; ", problems.Take(10)));
    }

    [Fact]
    public void FullSizeRefinerBigGIsReadFromTheManifest()
    {
        var shapes = ManifestShapes();
        var config = OpenClipTextModel.Detect(shapes, "refiner manifest", SdxlTextEncoders.RefinerBigGPrefix, withProjection: true);
        Assert.Equal(new ClipTextConfig(49408, 77, 1280, 5120, 32, 20, Activation: ClipActivation.Gelu, ProjectionSize: 1280), config);
        var index = CheckpointTensorIndex.FromShapes(shapes);
        var layout = Assert.Single(CheckpointFamilies.StableDiffusionXLRefiner.TextEncoders);
        Assert.Equal(SdxlTextEncoders.RefinerBigGPrefix, layout.FindTower(index));
    }

    [Fact]
    public void NegativeRowsGetTheLowAestheticScoreAndPromptRowsTheHighOne()
    {
        var size = SizeConditioning.ForGeneration(832, 1216);
        Assert.Equal([1216f, 832, 0, 0, 6.0f], CheckpointFamilies.StableDiffusionXLRefiner.VectorValues(size, false));
        Assert.Equal([1216f, 832, 0, 0, 2.5f], CheckpointFamilies.StableDiffusionXLRefiner.VectorValues(size, true));
        Assert.Equal(CheckpointFamilies.StableDiffusionXL.VectorValues(size, false), CheckpointFamilies.StableDiffusionXL.VectorValues(size, true));
    }

    [Fact]
    public void LoraTextEncoderModulesDoNotApplyToTheRefinersBigG()
    {
        // WebUI converts lora_te2_* to 1_model_transformer_*, but the refiner's bigG is embedder 0: nothing there matches.
        using var model = Load();
        using var lora = LoraNetwork.Load(SdxlGolden.PathOf("tiny_sdxl_lora_te2_q_only.safetensors"));
        var error = Assert.ThrowsAny<Exception>(() => model.CheckLoraFits(lora));
        Assert.Contains("lora_te2_", error.Message);
        Assert.Contains("matches no weight", error.Message);
    }

    private static JsonElement EmbeddingGolden()
    {
        using var golden = SdxlGolden.Open("refiner_embeddings.safetensors");
        using var json = JsonDocument.Parse(golden.Metadata["meta"]);
        return json.RootElement.Clone();
    }

    public static TheoryData<string> EmbeddingCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in EmbeddingGolden().GetProperty("cases").EnumerateObject()) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(EmbeddingCases))]
    public void EmbeddingsNamedInPromptsMatchWebUi(string name)
    {
        var meta = EmbeddingGolden();
        var texts = meta.GetProperty("cases").GetProperty(name).EnumerateArray().Select(t => t.GetString()!).ToList();
        using var scope = NewDisposeScope();
        using var golden = SdxlGolden.Open("refiner_embeddings.safetensors");
        using var model = Load();
        model.Embeddings = model.EmbeddingsFrom(SdxlGolden.PathOf(meta.GetProperty("embeddings_dir").GetString()!));
        // Names are registered with bigG's tokenizer, the refiner's first (only) embedder.
        var names = meta.GetProperty("names");
        Assert.Equal(names.EnumerateObject().Select(n => n.Name).Order(StringComparer.Ordinal), model.Embeddings.Embeddings.Select(e => e.Name));
        foreach (var embedding in model.Embeddings.Embeddings)
        {
            Assert.Equal(names.GetProperty(embedding.Name).GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()), embedding.TokenIds);
            Assert.Equal(names.GetProperty(embedding.Name).GetProperty("vectors").GetInt32(), embedding.VectorCount);
        }
        // One batch through the towers, as WebUI encodes the texts of a schedule (Original emphasis restores the batch's mean).
        var (cond, pooled) = model.Conditioner(1).EncodeTextsWithPooled(texts);
        using var vectors = model.VectorConditioningFor(meta.GetProperty("width").GetInt32(), meta.GetProperty("height").GetInt32());
        double e1 = SdxlGolden.AssertClose($"{name} crossattn", golden.Load(name + ".crossattn"), cond);
        double e2 = SdxlGolden.AssertClose($"{name} vector", golden.Load(name + ".vector"), vectors!.Rows(pooled!));
        output.WriteLine($"{name}: crossattn {e1:E2}, vector {e2:E2}");
    }
}
