using System.Buffers.Binary;
using System.Text;
using VideoLoopback.Cli.Tests.Render;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Generation;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Tests.Commands;

/// <summary><c>videoloopback img2img</c> on the tiny SD1.5 checkpoint: PNGs with WebUI's parameters text; bad values refused before loading.</summary>
[Trait("Area", "sd15")]
public sealed class Img2ImgCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-img2img-");

    private static string Tiny => Path.GetFullPath(Path.Combine(GoldenData.Path("sd15"), "tiny-sd15.safetensors"));

    private string WriteImage(string name, Tensor image)
    {
        var path = Path.Combine(_temp.FullName, name);
        ImageFile.Write(path, image);
        return path;
    }

    private string Init() => WriteImage("init.png", (arange(3 * 40 * 40, dtype: ScalarType.Int32) % 253).reshape(3, 40, 40).to(ScalarType.Byte));

    /// <summary>The text chunks of a PNG file, read straight from its bytes.</summary>
    private static Dictionary<string, string> TextChunks(string path)
    {
        var data = File.ReadAllBytes(path);
        var result = new Dictionary<string, string>();
        for (int at = 8; at + 8 <= data.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(at));
            var type = Encoding.ASCII.GetString(data, at + 4, 4);
            if (type == "tEXt")
            {
                var body = data.AsSpan(at + 8, length);
                int zero = body.IndexOf((byte)0);
                result[Encoding.Latin1.GetString(body[..zero])] = Encoding.Latin1.GetString(body[(zero + 1)..]);
            }
            at += 12 + length;
        }
        return result;
    }

    [Fact]
    [Trait("Area", "sd2")]
    public void Sd2VCheckpointRendersAndAGivenPredictionChangesTheImage()
    {
        var sd2 = Path.GetFullPath(Path.Combine(GoldenData.Path("sd2"), "tiny-sd2-v.safetensors"));
        string Run(string name, params string[] extra)
        {
            var output = Path.Combine(_temp.FullName, name);
            var (code, log) = CliProcess.RunCli([.. new[] { "img2img", "--checkpoint", sd2, "--init", Init(), "--prompt", "a cat", "--steps", "3",
                "--denoising", "0.75", "--seed", "42", "--width", "32", "--height", "32", "--sampler", "Euler", "--output", output }, .. extra]);
            Assert.True(code == 0, $"img2img {string.Join(" ", extra)} failed ({code}): {log}");
            return Directory.GetFiles(output, "*.png").Single();
        }
        var auto = ImageFile.Read(Run("auto")).Image;
        var v = ImageFile.Read(Run("v", "--prediction", "v")).Image;
        var eps = ImageFile.Read(Run("eps", "--prediction", "eps")).Image;
        Assert.True(auto.eq(v).all().item<bool>(), "the v model was not decided as v");
        Assert.False(auto.eq(eps).all().item<bool>(), "--prediction eps left the image unchanged");
    }

    [Fact]
    public void SamplerOptionsReachTheSamplerAndTheParameters()
    {
        string Run(string name, params string[] extra)
        {
            var output = Path.Combine(_temp.FullName, name);
            var (code, log) = CliProcess.RunCli([.. new[] { "img2img", "--checkpoint", Tiny, "--init", Init(), "--prompt", "a cat", "--steps", "3",
                "--denoising", "0.75", "--seed", "42", "--width", "32", "--height", "32", "--output", output }, .. extra]);
            Assert.True(code == 0, $"img2img {string.Join(" ", extra)} failed ({code}): {log}");
            return Directory.GetFiles(output, "*.png").Single();
        }
        var plain = Run("plain", "--sampler", "Euler");
        var churn = Run("churn", "--sampler", "Euler", "--s-churn", "1", "--s-noise", "0.9", "--randn-source", "CPU");
        Assert.EndsWith("Denoising strength: 0.75, RNG: CPU, Sigma churn: 1.0, Sigma noise: 0.9", TextChunks(churn)["parameters"]);
        Assert.False(ImageFile.Read(plain).Image.eq(ImageFile.Read(churn).Image).all().item<bool>(), "s_churn left the image unchanged");
        Assert.EndsWith("Denoising strength: 0.75, Eta: 0.5", TextChunks(Run("eta", "--sampler", "Euler a", "--eta", "0.5"))["parameters"]);
    }

    [Fact]
    public void DtypeOptionComputesInThatDtypeOrFailsBeforeLoading()
    {
        (int Code, string Log, string Output) Run(string dtype)
        {
            var output = Path.Combine(_temp.FullName, dtype);
            var (code, log) = CliProcess.RunCli("img2img", "--checkpoint", Tiny, "--init", Init(), "--prompt", "a cat", "--steps", "2",
                "--denoising", "0.5", "--seed", "42", "--width", "32", "--height", "32", "--output", output, "--dtype", dtype);
            return (code, log, output);
        }
        var fp32 = Run("fp32");
        Assert.True(fp32.Code == 0, fp32.Log);
        foreach (var dtype in Diffusion.Nn.CpuFeatures.HasBFloat16 ? new[] { "fp16", "bf16" } : ["fp16"])
        {
            var reduced = Run(dtype);
            Assert.True(reduced.Code == 0, $"img2img --dtype {dtype} failed ({reduced.Code}): {reduced.Log}");
            var a = ImageFile.Read(Directory.GetFiles(fp32.Output, "*.png").Single()).Image;
            var b = ImageFile.Read(Directory.GetFiles(reduced.Output, "*.png").Single()).Image;
            Assert.Equal(a.shape, b.shape);
        }
        var bad = Run("fp8");
        Assert.Equal(1, bad.Code);
        Assert.Contains("error: --dtype: 'fp8' is unknown, expected one of: fp32, bf16, fp16", bad.Log);
        Assert.False(Directory.Exists(bad.Output));
    }

    [Fact]
    public void WritesPngsWithWebUiParameters()
    {
        var output = Path.Combine(_temp.FullName, "out");
        var (code, log) = CliProcess.RunCli("img2img", "--checkpoint", Tiny, "--init", Init(), "--prompt", "a cat", "--negative", "ugly",
            "--steps", "2", "--cfg", "7", "--denoising", "0.5", "--seed", "42", "--width", "32", "--height", "32", "--batch-size", "2", "--output", output);
        Assert.True(code == 0, $"img2img failed ({code}): {log}");
        var files = Directory.GetFiles(output, "*.png").OrderBy(f => f).ToArray();
        Assert.Equal(["00000-42.png", "00001-43.png"], files.Select(Path.GetFileName));
        var (image, mode) = ImageFile.Read(files[0]);
        Assert.Equal(ImageMode.RGB, mode);
        Assert.Equal([3L, 32, 32], image.shape);
        var parameters = TextChunks(files[1])["parameters"];
        Assert.Equal("a cat\nNegative prompt: ugly\nSteps: 2, Sampler: Euler a, CFG scale: 7.0, Seed: 43, Size: 32x32, Model: tiny-sd15, Denoising strength: 0.5", parameters);
    }

    [Fact]
    public void CommandAndLoopbackGeneratorMakeTheSameImageAndInfotext()
    {
        var output = Path.Combine(_temp.FullName, "out");
        var (code, log) = CliProcess.RunCli("img2img", "--checkpoint", Tiny, "--init", Init(), "--prompt", "a fox", "--negative", "blurry",
            "--steps", "2", "--cfg", "6.5", "--denoising", "0.6", "--seed", "3", "--subseed", "5", "--width", "32", "--height", "32", "--output", output);
        Assert.True(code == 0, $"img2img failed ({code}): {log}");
        var file = Assert.Single(Directory.GetFiles(output, "*.png"));

        var model = StableDiffusionModel.Load(Tiny, StableDiffusionLoadOptions.ForCheckpoint(Tiny, ModuleDevice.Cpu));
        using var generator = new StableDiffusionFrameGenerator(model);
        var frame = new FrameGenerationParams
        {
            Prompt = "a fox", NegativePrompt = "blurry", Seed = 3, Subseed = 5, SubseedStrength = 0, CfgScale = 6.5, Steps = 2, DenoisingStrength = 0.6,
            BatchSize = 1, BatchCount = 1, Width = 32, Height = 32, ResizeMode = 0, SamplerName = "Euler a",
        };
        var (init, _) = ImageFile.Read(Path.Combine(_temp.FullName, "init.png"));
        var generated = generator.Generate(new GenerationRequest(init.unsqueeze(0), [frame], [null], [[]]))[0];
        var (written, _) = ImageFile.Read(file);
        Assert.True(generated[0].eq(written).all().item<bool>(), "the command and the loopback generator made different images");

        var settings = new Img2ImgParams
        {
            Prompt = "a fox", NegativePrompt = "blurry", Seed = 3, Subseed = 5, CfgScale = 6.5, Steps = 2, Denoising = 0.6, Width = 32, Height = 32,
        };
        Assert.Equal(WebUiImg2Img.Infotext(new Img2ImgFrame(init, settings), generator.ModelName, 0), TextChunks(file)["parameters"]);
        Assert.Equal("a fox\nNegative prompt: blurry\n"
            + "Steps: 2, Sampler: Euler a, CFG scale: 6.5, Seed: 3, Size: 32x32, Model: tiny-sd15, Denoising strength: 0.6",
            TextChunks(file)["parameters"]);
    }

    [Fact]
    public void InpaintingWithAMaskKeepsTheUnmaskedArea()
    {
        var output = Path.Combine(_temp.FullName, "out");
        var mask = zeros(1, 40, 40, ScalarType.Byte);
        mask[.., TensorIndex.Slice(16, 24), TensorIndex.Slice(16, 24)] = tensor((byte)255);
        var (code, log) = CliProcess.RunCli("img2img", "--checkpoint", Tiny, "--init", Init(), "--mask", WriteImage("mask.png", mask), "--mask-blur", "0",
            "--prompt", "x", "--steps", "2", "--seed", "1", "--output", output);
        Assert.True(code == 0, $"img2img inpaint failed ({code}): {log}");
        var (result, _) = ImageFile.Read(Assert.Single(Directory.GetFiles(output, "*.png")));
        var (init, _) = ImageFile.Read(Path.Combine(_temp.FullName, "init.png"));
        Assert.True(result[.., ..8, ..].eq(init[.., ..8, ..]).all().item<bool>(), "rows far from the mask changed");
        Assert.Contains("Mask blur: 0", TextChunks(Directory.GetFiles(output, "*.png")[0])["parameters"]);
    }

    [Fact]
    public void OnlyMaskedWithFillKeepsTheInitSizeAndWritesWebUiInfotext()
    {
        var output = Path.Combine(_temp.FullName, "out");
        var mask = zeros(1, 40, 40, ScalarType.Byte);
        mask[.., TensorIndex.Slice(20, 28), TensorIndex.Slice(22, 30)] = tensor((byte)255);
        var (code, log) = CliProcess.RunCli("img2img", "--checkpoint", Tiny, "--init", Init(), "--mask", WriteImage("mask.png", mask),
            "--inpaint-area", "only-masked", "--inpaint-padding", "4", "--masked-content", "fill", "--width", "32", "--height", "32",
            "--prompt", "x", "--steps", "2", "--seed", "1", "--output", output);
        Assert.True(code == 0, $"img2img only masked failed ({code}): {log}");
        var file = Assert.Single(Directory.GetFiles(output, "*.png"));
        var (result, _) = ImageFile.Read(file);
        var (init, _) = ImageFile.Read(Path.Combine(_temp.FullName, "init.png"));
        Assert.Equal([3L, 40, 40], result.shape); // only masked keeps the init image's size
        Assert.True(result[.., ..8, ..].eq(init[.., ..8, ..]).all().item<bool>(), "rows far from the mask changed");
        Assert.EndsWith("Size: 32x32, Model: tiny-sd15, Denoising strength: 0.75, Mask blur: 4, Inpaint area: Only masked, Masked area padding: 4, Masked content: fill",
            TextChunks(file)["parameters"]);
    }

    [Theory]
    [InlineData("--inpaint-padding", "-1", "--inpaint-padding -1: expected 0 or more pixels")]
    [InlineData("--inpaint-area", "half", "--inpaint-area 'half': expected whole or only-masked")]
    [InlineData("--masked-content", "blur", "expected fill, original, latent-noise or latent-nothing")]
    [InlineData("--steps", "0", "steps must be ≥ 1")]
    [InlineData("--denoising", "1.2", "denoising strength must lie in [0,1]")]
    [InlineData("--sampler", "Nope", "unknown sampler 'Nope'")]
    [InlineData("--scheduler", "Nope", "unknown scheduler 'Nope'")]
    [InlineData("--width", "30", "multiples of 8")]
    [InlineData("--randn-source", "XPU", "--randn-source: unknown RNG source 'XPU'")]
    [InlineData("--prediction", "x0", "--prediction: unknown prediction 'x0' (expected eps, v or auto)")]
    [InlineData("--eta", "-1", "eta -1: expected a number ≥ 0")]
    [InlineData("--s-churn", "-1", "s_churn -1: expected a number ≥ 0")]
    public void BadValuesAreRefused(string option, string value, string expected)
    {
        var (code, log) = CliProcess.RunCli("img2img", "--checkpoint", "/nonexistent.safetensors", "--init", Init(), "--prompt", "x", option, value);
        Assert.Equal(1, code);
        Assert.Contains(expected, log.ReplaceLineEndings(" ").Replace("  ", " "));
    }

    [Fact]
    public void UnreadableImageIsRefused()
    {
        var broken = Path.Combine(_temp.FullName, "broken.png");
        File.WriteAllBytes(broken, [1, 2, 3, 4]);
        var (code, log) = CliProcess.RunCli("img2img", "--checkpoint", Tiny, "--init", broken, "--prompt", "x");
        Assert.Equal(1, code);
        Assert.Contains("broken.png", log);
    }

    [Fact]
    public void ControlNetLoraEnsdAndSeedResizeReachTheImageAndTheInfotext()
    {
        string Run(string name, params string[] extra)
        {
            var output = Path.Combine(_temp.FullName, name);
            var (code, log) = CliProcess.RunCli([.. new[] { "img2img", "--checkpoint", Tiny, "--init", Init(), "--prompt", "a cat", "--steps", "2",
                "--denoising", "0.6", "--seed", "5", "--width", "32", "--height", "32", "--sampler", "Euler a", "--output", output }, .. extra]);
            Assert.True(code == 0, $"img2img {string.Join(' ', extra)} failed ({code}): {log}");
            return Assert.Single(Directory.GetFiles(output, "*.png"));
        }
        var control = WriteImage("control.png", ((arange(3 * 48 * 48, dtype: ScalarType.Int32) * 7) % 255).reshape(3, 48, 48).to(ScalarType.Byte));
        var controlNet = Path.GetFullPath(Path.Combine(GoldenData.Path("adapters", "controlnet"), "tiny_controlnet_A.safetensors"));
        var loraDir = Path.GetFullPath(GoldenData.Path("adapters", "lora"));
        var plain = Run("plain");
        var controlled = Run("control", "--controlnet", controlNet + ",weight=0.8,resize=just", "--control-image", control);
        var lora = Run("lora", "--lora-dir", loraDir, "--prompt", "a cat <lora:tiny_lora_r4_a2:1.2>");
        var ensd = Run("ensd", "--ensd", "31337", "--seed-resize-from", "48x48");
        using var p = ImageFile.Read(plain).Image;
        foreach (var other in new[] { controlled, lora, ensd })
        {
            using var o = ImageFile.Read(other).Image;
            Assert.False(p.eq(o).all().item<bool>(), $"{Path.GetDirectoryName(other)}: same image as without the option");
        }
        Assert.StartsWith("a cat <lora:tiny_lora_r4_a2:1.2>\n", TextChunks(lora)["parameters"]);
        Assert.Contains("Seed resize from: 48x48", TextChunks(ensd)["parameters"]);
        Assert.Contains("ENSD: 31337", TextChunks(ensd)["parameters"]);
    }

    [Fact]
    public void ControlNetWithoutItsImageIsRefused()
    {
        var controlNet = Path.GetFullPath(Path.Combine(GoldenData.Path("adapters", "controlnet"), "tiny_controlnet_A.safetensors"));
        var (code, log) = CliProcess.RunCli("img2img", "--checkpoint", Tiny, "--init", Init(), "--prompt", "a cat", "--controlnet", controlNet,
            "--output", Path.Combine(_temp.FullName, "out"));
        Assert.Equal(1, code);
        Assert.Contains("1 --controlnet unit(s) but 0 --control-image", log);
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
