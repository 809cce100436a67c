using VideoLoopback.Diffusion.ControlNet;
using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Tests.Lora;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Pipelines;

/// <summary>
/// LoRA and ControlNet inside the img2img pipeline, on the tiny SD1.5 checkpoint and the tiny adapters of tests/golden/adapters
/// (random weights: the networks themselves are proven by the adapter golden tests; these check the wiring).
/// </summary>
[Trait("Area", "adapters")]
public class Img2ImgAdapterTests
{
    private static Img2ImgParams Params(string prompt = "a cat", ulong seed = 3) => new()
    {
        Prompt = prompt, NegativePrompt = "blurry", Seed = seed, Steps = 3, Denoising = 0.75, CfgScale = 7, Sampler = "Euler",
    };

    private static ControlNetModel LoadControlNet(StableDiffusionModel model, string name) =>
        ControlNetModel.Load(Path.Combine(AdapterGolden.ControlNetFolder, name), model.Unet.Config, ModuleDevice.Cpu);

    /// <summary>A seeded control image [1,3,size,size] in [0,1].</summary>
    private static Tensor Hint(int seed, int size = 32)
    {
        using var generator = new Generator((ulong)seed);
        return rand([1, 3, size, size], generator: generator);
    }

    private static int MaxDiff(Tensor a, Tensor b) => (a.to(ScalarType.Int32) - b.to(ScalarType.Int32)).abs().max().item<int>();

    [Fact]
    public void ControlNetChangesTheResultAndWeightZeroOrAClosedWindowDoesNot()
    {
        using var model = Img2ImgPipelineTests.LoadTiny("tiny-sd15.safetensors");
        using var controlNet = LoadControlNet(model, "tiny_controlnet_A.safetensors");
        using var init = Img2ImgPipelineTests.TestImage();
        using var hint = Hint(1);
        var pipeline = new Img2ImgPipeline(model);
        using var plain = pipeline.Run([new Img2ImgFrame(init, Params())])[0];
        using var controlled = pipeline.Run([new Img2ImgFrame(init, Params(), null, [new ControlNetUnit(controlNet, hint, 1.0)])])[0];
        using var weightZero = pipeline.Run([new Img2ImgFrame(init, Params(), null, [new ControlNetUnit(controlNet, hint, 0.0)])])[0];
        // Guidance start = end = 1: the window opens only at the last announced step, which img2img never reaches.
        using var closed = pipeline.Run([new Img2ImgFrame(init, Params(), null, [new ControlNetUnit(controlNet, hint, 1.0, 1.0, 1.0)])])[0];
        Assert.True(MaxDiff(plain, controlled) > 0, "a ControlNet at weight 1 left the image unchanged");
        // Zero residuals still go through the additions, whose outputs the CPU kernels may round apart: one level at most.
        Assert.True(MaxDiff(plain, weightZero) <= 1, $"weight 0 changed the image by {MaxDiff(plain, weightZero)} levels");
        Assert.Equal(0, MaxDiff(plain, closed));
    }

    [Fact]
    public void EachFrameOfASharedBatchGetsItsOwnHint()
    {
        using var model = Img2ImgPipelineTests.LoadTiny("tiny-sd15.safetensors");
        using var controlNet = LoadControlNet(model, "tiny_controlnet_A.safetensors");
        using var init = Img2ImgPipelineTests.TestImage();
        using var hintA = Hint(1);
        using var hintB = Hint(2);
        Img2ImgFrame Frame(Tensor hint, ControlMode mode) => new(init, Params(), null, [new ControlNetUnit(controlNet, hint, 1.0, Mode: mode)]);
        foreach (var mode in Enum.GetValues<ControlMode>())
        {
            var alone = new Img2ImgPipeline(model) { ShareUnetBatches = false }.Run([Frame(hintA, mode), Frame(hintB, mode)]);
            var shared = new Img2ImgPipeline(model) { ShareUnetBatches = true }.Run([Frame(hintA, mode), Frame(hintB, mode)]);
            Assert.True(MaxDiff(alone[0], alone[1]) > 0, $"{mode}: two different hints gave the same image");
            // Batched CPU kernels may round differently: at most one uint8 level.
            Assert.True(MaxDiff(alone[0], shared[0]) <= 1 && MaxDiff(alone[1], shared[1]) <= 1,
                $"{mode}: batched frames differ from one-at-a-time by {Math.Max(MaxDiff(alone[0], shared[0]), MaxDiff(alone[1], shared[1]))} levels");
            foreach (var t in alone.Concat(shared)) t.Dispose();
        }
    }

    [Fact]
    public void TwoControlNetsDifferFromEitherAlone()
    {
        using var model = Img2ImgPipelineTests.LoadTiny("tiny-sd15.safetensors");
        using var a = LoadControlNet(model, "tiny_controlnet_A.safetensors");
        using var b = LoadControlNet(model, "tiny_controlnet_B.safetensors");
        using var init = Img2ImgPipelineTests.TestImage();
        using var hintA = Hint(1);
        using var hintB = Hint(2);
        var pipeline = new Img2ImgPipeline(model);
        using var onlyA = pipeline.Run([new Img2ImgFrame(init, Params(), null, [new ControlNetUnit(a, hintA, 0.6)])])[0];
        using var onlyB = pipeline.Run([new Img2ImgFrame(init, Params(), null, [new ControlNetUnit(b, hintB, 0.6)])])[0];
        using var both = pipeline.Run([new Img2ImgFrame(init, Params(), null, [new ControlNetUnit(a, hintA, 0.6), new ControlNetUnit(b, hintB, 0.6)])])[0];
        Assert.True(MaxDiff(both, onlyA) > 0 && MaxDiff(both, onlyB) > 0, "multi-ControlNet result equals a single unit's");
    }

    [Fact]
    public void AHintOfTheWrongSizeIsRefusedBeforeAnyWork()
    {
        using var model = Img2ImgPipelineTests.LoadTiny("tiny-sd15.safetensors");
        using var controlNet = LoadControlNet(model, "tiny_controlnet_A.safetensors");
        using var init = Img2ImgPipelineTests.TestImage();
        using var hint = Hint(1, 48);
        var e = Assert.Throws<ArgumentException>(() => new Img2ImgPipeline(model).Run([new Img2ImgFrame(init, Params(), null, [new ControlNetUnit(controlNet, hint)])]));
        Assert.Contains("ControlNet 1", e.Message);
        Assert.Contains("[1,3,32,32]", e.Message);
    }

    [Fact]
    public void PromptLoraIsMergedForItsFrameAndRestoredExactlyAfter()
    {
        using var model = Img2ImgPipelineTests.LoadTiny("tiny-sd15.safetensors");
        var warnings = new List<string>();
        using var library = new LoraLibrary(AdapterGolden.LoraFolder, warnings.Add);
        var pipeline = new Img2ImgPipeline(model) { Loras = library };
        using var init = Img2ImgPipelineTests.TestImage();
        var weightsBefore = model.Unet.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

        using var plain = pipeline.Run([new Img2ImgFrame(init, Params())])[0];
        using var withLora = pipeline.Run([new Img2ImgFrame(init, Params("a cat <lora:tiny_lora_r4_a2:1.5>"))])[0];
        Assert.Single(model.ActiveLoras);
        // Multiplier 0 changes no weight: the result equals the plain one only if the tag left the text the encoder sees.
        using var zero = pipeline.Run([new Img2ImgFrame(init, Params("a cat <lora:tiny_lora_r4_a2:0>"))])[0];
        using var again = pipeline.Run([new Img2ImgFrame(init, Params())])[0];

        Assert.True(MaxDiff(plain, withLora) > 0, "a LoRA at 1.5 left the image unchanged");
        Assert.Equal(0, MaxDiff(plain, zero));
        Assert.Equal(0, MaxDiff(plain, again));
        Assert.Empty(model.ActiveLoras);
        foreach (var (name, parameter) in model.Unet.named_parameters())
            Assert.True(AdapterGolden.BitEqual(weightsBefore[name], parameter.detach()), $"UNet weight {name} not restored bit-exactly");
        Assert.Empty(warnings);
    }

    [Fact]
    public void FramesWithDifferentLorasInOneCallEachGetTheirOwn()
    {
        using var model = Img2ImgPipelineTests.LoadTiny("tiny-sd15.safetensors");
        using var library = new LoraLibrary(AdapterGolden.LoraFolder, _ => { });
        var pipeline = new Img2ImgPipeline(model) { Loras = library };
        using var init = Img2ImgPipelineTests.TestImage();
        var prompts = new[] { "a cat <lora:tiny_lora_r4_a2:1>", "a cat", "a cat <lora:tiny_locon_r4_a2_conv2_a1:1>", "a cat <lora:tiny_lora_r4_a2:1>" };
        var together = pipeline.Run(prompts.Select(p => new Img2ImgFrame(init, Params(p))).ToList());
        for (int i = 0; i < prompts.Length; i++)
        {
            using var alone = pipeline.Run([new Img2ImgFrame(init, Params(prompts[i]))])[0];
            Assert.True(MaxDiff(alone, together[i]) <= 1, $"frame {i} ('{prompts[i]}') differs from its own run by {MaxDiff(alone, together[i])} levels");
        }
        Assert.True(MaxDiff(together[0], together[1]) > 0 && MaxDiff(together[0], together[2]) > 0, "different LoRA sets gave the same image");
        foreach (var t in together) t.Dispose();
    }

    [Fact]
    public void JobLorasComeFromTheParamsAndUnknownNamesAreWarnedAbout()
    {
        using var model = Img2ImgPipelineTests.LoadTiny("tiny-sd15.safetensors");
        var warnings = new List<string>();
        using var library = new LoraLibrary(AdapterGolden.LoraFolder, warnings.Add);
        var pipeline = new Img2ImgPipeline(model) { Loras = library };
        using var init = Img2ImgPipelineTests.TestImage();
        using var fromTag = pipeline.Run([new Img2ImgFrame(init, Params("a cat <lora:tiny_lora_r4_a2:0.7>"))])[0];
        using var fromJob = pipeline.Run([new Img2ImgFrame(init, Params() with { Loras = [new VideoLoopback.Diffusion.Text.LoraTag("tiny_lora_r4_a2", 0.7, 0.7, null)] })])[0];
        Assert.Equal(0, MaxDiff(fromTag, fromJob));
        using var plain = pipeline.Run([new Img2ImgFrame(init, Params())])[0];
        using var unknown = pipeline.Run([new Img2ImgFrame(init, Params("a cat <lora:no_such_lora:1>"))])[0];
        Assert.Equal(0, MaxDiff(plain, unknown));
        Assert.Contains(warnings, w => w.Contains("no_such_lora"));
    }

    [Fact]
    public void ALoraTagWithoutALoraFolderIsRefused()
    {
        using var model = Img2ImgPipelineTests.LoadTiny("tiny-sd15.safetensors");
        using var init = Img2ImgPipelineTests.TestImage();
        var e = Assert.Throws<ArgumentException>(() => new Img2ImgPipeline(model).Run([new Img2ImgFrame(init, Params("a cat <lora:tiny_lora_r4_a2:1>"))]));
        Assert.Contains("tiny_lora_r4_a2", e.Message);
        Assert.Contains("no LoRA folder", e.Message);
    }
}
