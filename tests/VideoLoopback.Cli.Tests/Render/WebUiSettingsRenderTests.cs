using System.Text.Json;
using VideoLoopback.Cli.Commands;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Loopback;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Tests.Render;

/// <summary>The WebUI img2img settings as render options: parsed, written to the settings JSON, and sd_vae / vae_tiling loaded.</summary>
[Trait("Area", "loopback")]
public sealed class WebUiSettingsRenderTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-render-webui-");

    private static string Tiny => Path.GetFullPath(Path.Combine(GoldenData.Path("sd15"), "tiny-sd15.safetensors"));

    [Fact]
    public void EveryOptionIsTakenAndWrittenToTheSettings()
    {
        var output = Path.Combine(_temp.FullName, "out");
        var (code, log) = CliProcess.RunCli("render", "--generator", "fake", "--device", "cpu", "--no-video",
            "--input", GoldenData.Path("loopback", "inputs", "seq_rgb"), "--output", output, "--loop-n", "1", "--width", "32", "--height", "24",
            "--use-mask", "true", "--mask-dir", GoldenData.Path("loopback", "inputs", "masks_dir"),
            "--mask-blur", "8", "--inpainting-fill", "0", "--inpaint-full-res", "true", "--inpaint-full-res-padding", "16",
            "--inpainting-mask-invert", "1", "--seed-resize-from-w", "64", "--seed-resize-from-h", "48", "--scheduler", "Karras",
            "--eta", "0.5", "--s-churn", "0.3", "--s-tmin", "0.1", "--s-tmax", "10", "--s-noise", "0.9", "--eta-noise-seed-delta", "31337",
            "--randn-source", "CPU", "--vae-tiling", "true");
        Assert.True(code == 0, $"render failed ({code}): {log}");
        var run = Assert.Single(Directory.GetDirectories(output));
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, Path.GetFileName(run) + ".json")));
        var root = settings.RootElement;
        Assert.Equal(8, root.GetProperty("mask_blur").GetInt32());
        Assert.Equal(0, root.GetProperty("inpainting_fill").GetInt32());
        Assert.True(root.GetProperty("inpaint_full_res").GetBoolean());
        Assert.Equal(1, root.GetProperty("inpainting_mask_invert").GetInt32());
        Assert.Equal("Karras", root.GetProperty("scheduler").GetString());
        Assert.Equal(0.5, root.GetProperty("eta").GetDouble());
        Assert.Equal(0.9, root.GetProperty("s_noise").GetDouble());
        Assert.Equal("CPU", root.GetProperty("randn_source").GetString());
        Assert.True(root.GetProperty("vae_tiling").GetBoolean());
    }

    [Fact]
    public void BadValueStopsBeforeTheFirstFrameNamingTheKey()
    {
        var output = Path.Combine(_temp.FullName, "out");
        var (code, log) = CliProcess.RunCli("render", "--generator", "fake", "--device", "cpu", "--no-video",
            "--input", GoldenData.Path("loopback", "inputs", "seq_rgb"), "--output", output, "--width", "32", "--height", "24",
            "--scheduler", "Fastest");
        Assert.Equal(1, code);
        Assert.Contains("scheduler: unknown scheduler 'Fastest'", log);
        Assert.False(Directory.Exists(output) && Directory.GetDirectories(output).Length > 0, "a run folder was made");
    }

    [Fact]
    public void SdVaeReplacesTheCheckpointsVaeAndVaeTilingIsSet()
    {
        // A standalone VAE: the checkpoint's VAE keys without their prefix, weights scaled so the two are told apart.
        var vaePath = Path.Combine(_temp.FullName, "vae.safetensors");
        using (var file = SafetensorsFile.Open(Tiny))
        {
            var vae = file.LoadAll(k => k.StartsWith("first_stage_model.", StringComparison.Ordinal))
                .ToDictionary(e => e.Key["first_stage_model.".Length..], e => e.Value.mul(1.01));
            SafetensorsWriter.Write(vaePath, vae);
        }
        var job = new JobSpec { SdVae = vaePath, VaeTiling = true };
        using var own = RenderGenerators.CreateStableDiffusion(Tiny, CPU, job: new JobSpec());
        using var replaced = RenderGenerators.CreateStableDiffusion(Tiny, CPU, job: job);
        Assert.Null(own.Model.VaeTiling);
        Assert.NotNull(replaced.Model.VaeTiling);
        var name = own.Model.Vae.named_parameters().First().name;
        var ownWeight = own.Model.Vae.named_parameters().First().parameter;
        var replacedWeight = replaced.Model.Vae.named_parameters().First(p => p.name == name).parameter;
        Assert.True(replacedWeight.allclose(ownWeight * 1.01), $"{name} is not the standalone VAE's");
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
