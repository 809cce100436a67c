using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Sampling.Noise;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Generation;
using VideoLoopback.Video.Loopback;
using VideoLoopback.Video.Tests.Generation;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>
/// The WebUI img2img settings as job keys (mask_blur … vae_tiling): read from a job file as WebUI writes them, refused with
/// the key's name before the first frame, and handed to the generator with every frame.
/// </summary>
[Trait("Area", "loopback")]
public sealed class WebUiSettingsJobTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-webui-settings-");

    private JobSpec ValidJob() => new()
    {
        InputDir = GoldenData.Path("loopback", "inputs", "seq_rgb"), OutputDir = Path.Combine(_temp.FullName, "out"),
        Width = 32, Height = 24, LoopN = 1, Seed = 1, Subseed = 2, MaxFrames = 2,
    };

    private JobSpec Read(string json)
    {
        var path = Path.Combine(_temp.FullName, "job.json");
        File.WriteAllText(path, json);
        return JobFile.Read(path);
    }

    private static string Fails(JobSpec job) =>
        Assert.Throws<JobException>(() => JobValidator.Validate(job, ScheduleCompilers.Default)).Message;

    [Fact]
    public void SwitchesReadAsWebUiWritesThem()
    {
        var ints = Read("""{ "inpainting_mask_invert": 1, "inpaint_full_res": 1, "inpainting_fill": 2, "eta": 0.5, "s_tmax": 0 }""");
        Assert.Equal(1, ints.InpaintingMaskInvert);
        Assert.True(ints.InpaintFullRes);
        Assert.Equal(2, ints.InpaintingFill);
        Assert.Equal(0.5, ints.Eta);
        var bools = Read("""{ "inpainting_mask_invert": true, "inpaint_full_res": false, "eta": null }""");
        Assert.Equal(1, bools.InpaintingMaskInvert);
        Assert.False(bools.InpaintFullRes);
        Assert.Null(bools.Eta);
        Assert.Contains("'inpaint_full_res' is 2", Assert.Throws<JobException>(() => Read("""{ "inpaint_full_res": 2 }""")).Message);
    }

    [Fact]
    public void EachBadValueIsRefusedNamingItsKey()
    {
        Assert.StartsWith("mask_blur is -1", Fails(ValidJob() with { MaskBlur = -1 }));
        Assert.StartsWith("inpainting_fill is 4", Fails(ValidJob() with { InpaintingFill = 4 }));
        Assert.StartsWith("inpaint_full_res_padding is -2", Fails(ValidJob() with { InpaintFullResPadding = -2 }));
        Assert.StartsWith("inpainting_mask_invert is 2", Fails(ValidJob() with { InpaintingMaskInvert = 2 }));
        Assert.StartsWith("scheduler: unknown scheduler 'Fast'", Fails(ValidJob() with { Scheduler = "Fast" }));
        Assert.StartsWith("randn_source: unknown RNG source 'XPU'", Fails(ValidJob() with { RandnSource = "XPU" }));
        Assert.StartsWith("prediction: unknown prediction 'x0'", Fails(ValidJob() with { Prediction = "x0" }));
        Assert.StartsWith("eta is -0.5", Fails(ValidJob() with { Eta = -0.5 }));
        Assert.StartsWith("s_churn is -1", Fails(ValidJob() with { SChurn = -1 }));
        Assert.StartsWith("s_noise NaN", Fails(ValidJob() with { SNoise = double.NaN }));
        Assert.StartsWith("eta_noise_seed_delta is -1", Fails(ValidJob() with { EtaNoiseSeedDelta = -1 }));
        Assert.StartsWith("seed_resize_from_w/seed_resize_from_h are 4x64", Fails(ValidJob() with { SeedResizeFromW = 4, SeedResizeFromH = 64 }));
        Assert.StartsWith("sd_vae: ", Fails(ValidJob() with { SdVae = Path.Combine(_temp.FullName, "none.safetensors") }));
        Assert.Empty(JobValidator.Validate(ValidJob() with { SeedResizeFromW = 4, SeedResizeFromH = 0, Scheduler = "karras", RandnSource = "nv" },
            ScheduleCompilers.Default));
    }

    [Fact]
    public void DefaultsAreWebUisImg2ImgValues()
    {
        var p = new JobSpec().WebUiSettings().ApplyTo(new Img2ImgParams { Prompt = "", Seed = 1 });
        var untouched = new Img2ImgParams { Prompt = "", Seed = 1 };
        Assert.Equal(untouched, p);
        Assert.Equal(WebUiSettings.Default, new JobSpec().WebUiSettings());
    }

    [Fact]
    public void EveryKeyReachesTheGeneratorWithEveryFrame()
    {
        var job = ValidJob() with
        {
            MaskBlur = 9, InpaintingFill = 3, InpaintFullRes = true, InpaintFullResPadding = 5, InpaintingMaskInvert = 1,
            SeedResizeFromW = 64, SeedResizeFromH = 48, Scheduler = "Karras", Eta = 0.25, SChurn = 0.5, STmin = 0.1, STmax = 0,
            SNoise = 0.9, EtaNoiseSeedDelta = 31337, RandnSource = "NV",
        };
        using var generator = new RecordingGenerator(new FakeGenerator());
        new LoopbackEngine(job, generator, ScheduleCompilers.Default, CPU).Run(new RenderOptions { Timestamp = "run", EncodeVideos = false });
        Assert.Equal(2, generator.Calls.Count);
        foreach (var frame in generator.Calls.Select(c => c.Params))
        {
            var p = frame.WebUi.ApplyTo(new Img2ImgParams { Prompt = "", Seed = 1 });
            Assert.Equal(new InpaintSettings
            {
                MaskBlurX = 9, MaskBlurY = 9, MaskedContent = MaskedContent.LatentNothing, Area = InpaintArea.OnlyMasked, OnlyMaskedPadding = 5,
                MaskMode = InpaintMaskMode.InpaintNotMasked,
            }, p.Inpaint);
            Assert.Equal((64, 48), (p.SeedResizeFromWidth, p.SeedResizeFromHeight));
            Assert.Equal("Karras", p.Scheduler);
            Assert.Equal(new Diffusion.Sampling.SamplerOptions { Eta = 0.25, SChurn = 0.5, STmin = 0.1, STmax = double.PositiveInfinity, SNoise = 0.9 },
                p.SamplerOptions);
            Assert.Equal(31337UL, p.EtaNoiseSeedDelta);
            Assert.Equal(RandnSource.NV, p.RandnSource);
        }
    }

    [Fact]
    public void OnlyChangedKeysAreWrittenAndReadBack()
    {
        var untouched = JobFile.Settings(ValidJob(), "t", "m", "h");
        Assert.DoesNotContain("mask_blur", untouched);
        Assert.DoesNotContain("randn_source", untouched);
        Assert.DoesNotContain("prediction", untouched);
        var changed = ValidJob() with { MaskBlur = 8, Scheduler = "Karras", Eta = 0.5, VaeTiling = true };
        var written = JobFile.Settings(changed, "t", "m", "h");
        Assert.Contains("\"mask_blur\": 8", written);
        var read = Read(written);
        Assert.Equal((8, "Karras", (double?)0.5, true), (read.MaskBlur, read.Scheduler, read.Eta, read.VaeTiling));
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
