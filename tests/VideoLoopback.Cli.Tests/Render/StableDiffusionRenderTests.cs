using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Tests.Render;

/// <summary><c>render --generator sd</c> on the tiny SD1.5 checkpoint of tests/golden/sd15, and without weights.</summary>
[Trait("Area", "loopback")]
public sealed class StableDiffusionRenderTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-render-sd-");

    private static string Tiny => Path.GetFullPath(Path.Combine(GoldenData.Path("sd15"), "tiny-sd15.safetensors"));

    private string InputImage()
    {
        var path = Path.Combine(_temp.FullName, "input.png");
        using var image = (arange(3 * 32 * 32, dtype: ScalarType.Int32) % 251).reshape(3, 32, 32).to(ScalarType.Byte);
        ImageFile.Write(path, image);
        return path;
    }

    [Fact]
    public void TinyRenderWithTheSdGeneratorCompletes()
    {
        var output = Path.Combine(_temp.FullName, "out");
        var (code, log) = CliProcess.RunCli("render", "--generator", "sd", "--checkpoint", Tiny, "--device", "cpu", "--no-video",
            "--input", InputImage(), "--max-frames", "2", "--output", output, "--loop-n", "2", "--width", "32", "--height", "32",
            "--steps", "2", "--denoising-strength", "0.5", "--sampler-name", "Euler a", "--seed", "3", "--prompt", "a red fox", "--negative-prompt", "blurry");
        Assert.True(code == 0, $"sd render failed ({code}): {log}");
        var run = Assert.Single(Directory.GetDirectories(output));
        foreach (var loop in new[] { "loop_1", "loop_2" })
        {
            var frames = Directory.GetFiles(Path.Combine(run, "output_frames", loop), "*.png");
            Assert.Equal(2, frames.Length);
            var (image, _) = ImageFile.Read(frames[0]);
            Assert.Equal([3L, 32, 32], image.shape);
        }
    }

    /// <summary>
    /// The tiny SDXL checkpoint renders through the whole job path: frames batched together, an AND prompt with a LoRA tag and
    /// an SDXL embedding, prompt editing, and an empty negative prompt (zeros for SDXL).
    /// </summary>
    [Fact]
    [Trait("Area", "sdxl")]
    public void TinySdxlRenderWithLoraEmbeddingAndComposablePromptCompletes()
    {
        var sdxl = GoldenData.Path("sdxl");
        var output = Path.Combine(_temp.FullName, "out-sdxl");
        var (code, log) = CliProcess.RunCli("render", "--generator", "sd", "--checkpoint", Path.GetFullPath(Path.Combine(sdxl, "tiny-sdxl.safetensors")),
            "--device", "cpu", "--no-video", "--input", InputImage(), "--max-frames", "2", "--generator-batch", "2", "--output", output,
            "--loop-n", "1", "--width", "64", "--height", "48", "--steps", "3", "--denoising-strength", "0.6", "--sampler-name", "Euler",
            "--seed", "5", "--lora-dir", Path.GetFullPath(sdxl), "--embeddings-dir", Path.GetFullPath(Path.Combine(sdxl, "embeddings")),
            "--prompt", "a [red:blue:2] fox xlstyle <lora:tiny_sdxl_lora_r4_a2:0.8> AND a forest:0.5", "--negative-prompt", "");
        Assert.True(code == 0, $"sdxl render failed ({code}): {log}");
        var run = Assert.Single(Directory.GetDirectories(output));
        var frames = Directory.GetFiles(Path.Combine(run, "output_frames", "loop_1"), "*.png");
        Assert.Equal(2, frames.Length);
        var (image, _) = ImageFile.Read(frames[0]);
        Assert.Equal([3L, 48, 64], image.shape);
    }

    /// <summary>bf16 where the CPU has it: the render completes, the record keeps the dtype and a resume in another is refused.</summary>
    [Fact]
    public void BFloat16RenderIsRecordedAndAResumeInAnotherDtypeIsRefused()
    {
        if (!Diffusion.Nn.CpuFeatures.HasBFloat16) return; // bf16 is refused on this CPU (ComputePrecisionTests)
        var output = Path.Combine(_temp.FullName, "out");
        var (code, log) = CliProcess.RunCli("render", "--generator", "sd", "--checkpoint", Tiny, "--device", "cpu", "--dtype", "bf16", "--no-video",
            "--input", InputImage(), "--max-frames", "1", "--output", output, "--loop-n", "1", "--width", "32", "--height", "32",
            "--steps", "2", "--denoising-strength", "0.5", "--seed", "3", "--prompt", "a red fox");
        Assert.True(code == 0, $"bf16 render failed ({code}): {log}");
        var run = Assert.Single(Directory.GetDirectories(output));
        var record = Assert.Single(Directory.GetFiles(run, "*.resume.json"));
        using (var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(record)))
            Assert.Equal("bfloat16", json.RootElement.GetProperty("dtype").GetString());
        (code, log) = CliProcess.RunCli("render", "--resume", run, "--dtype", "fp32", "--no-video");
        Assert.Equal(1, code);
        Assert.Contains("--dtype would change frames already rendered: the run has 'bfloat16', the option gives 'float32'", log);
    }

    [Fact]
    public void UnknownDtypeIsOneErrorBeforeLoading()
    {
        var (code, log) = CliProcess.RunCli("render", "--generator", "sd", "--checkpoint", Tiny, "--device", "cpu", "--dtype", "fp8", "--input", InputImage(), "--output", Path.Combine(_temp.FullName, "out"), "--width", "32", "--height", "32", "--prompt", "x");
        Assert.Equal(1, code);
        Assert.Contains("error: --dtype: 'fp8' is unknown, expected one of: fp32, bf16, fp16", log);
    }

    [Fact]
    public void MissingWeightsSayHowToGetThem()
    {
        var (code, log) = CliProcess.RunCli("render", "--generator", "sd", "--checkpoint", Path.Combine(_temp.FullName, "none.safetensors"), "--device", "cpu",
            "--input", InputImage(), "--output", Path.Combine(_temp.FullName, "out"), "--width", "32", "--height", "32", "--prompt", "x");
        Assert.Equal(1, code);
        Assert.Contains("scripts/fetch-weights.sh", log);
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
