using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Sampling.Noise;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Generation;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Generation;

/// <summary>The job's WebUI settings change what the SD generator makes (tiny SD1.5 checkpoint); the defaults change nothing.</summary>
[Trait("Area", "loopback")]
public sealed class StableDiffusionWebUiSettingsTests(StableDiffusionWebUiSettingsTests.Model model)
    : IClassFixture<StableDiffusionWebUiSettingsTests.Model>
{
    /// <summary>One loaded generator and its default-settings images for the whole class.</summary>
    public sealed class Model : IDisposable
    {
        public StableDiffusionFrameGenerator Generator { get; }
        public Dictionary<(string, bool), Tensor> Baselines { get; } = [];

        public Model()
        {
            var path = Path.Combine(GoldenData.Path("sd15"), "tiny-sd15.safetensors");
            var options = StableDiffusionLoadOptions.ForCheckpoint(path, Diffusion.Nn.ModuleDevice.Cpu);
            Generator = new StableDiffusionFrameGenerator(StableDiffusionModel.Load(path, options));
        }

        public void Dispose()
        {
            foreach (var t in Baselines.Values) t.Dispose();
            Generator.Dispose();
        }
    }

    private Tensor Baseline(string sampler, bool masked = false)
    {
        lock (model.Baselines)
        {
            if (!model.Baselines.TryGetValue((sampler, masked), out var image))
                model.Baselines[(sampler, masked)] = image = Generate(sampler, WebUiSettings.Default, masked);
            return image;
        }
    }

    private static FrameGenerationParams Frame(string sampler, WebUiSettings settings) => new()
    {
        Prompt = "a fox", NegativePrompt = "", Seed = 3, Subseed = 5, SubseedStrength = 0, CfgScale = 7, Steps = 3,
        DenoisingStrength = 0.75, BatchSize = 1, BatchCount = 1, Width = 32, Height = 32, ResizeMode = 0, SamplerName = sampler, WebUi = settings,
    };

    private Tensor Generate(string sampler, WebUiSettings settings, bool masked = false)
    {
        using var image = ((arange(3 * 32 * 32, dtype: ScalarType.Int32) * 7) % 241).reshape(1, 3, 32, 32).to(ScalarType.Byte);
        using var mask = zeros(1, 32, 32, ScalarType.Byte);
        mask[.., TensorIndex.Slice(8, 24), TensorIndex.Slice(8, 24)] = tensor((byte)255);
        var request = new GenerationRequest(image, [Frame(sampler, settings)], [masked ? mask : null], [[]]);
        return model.Generator.Generate(request)[0];
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    public static TheoryData<string, string, bool> Changes => new()
    {
        { "mask_blur 0", "Euler a", true },
        { "inpainting_fill 0", "Euler a", true },
        { "inpaint_full_res", "Euler a", true },
        { "inpainting_mask_invert", "Euler a", true },
        { "seed_resize_from 64x64", "Euler a", false },
        { "scheduler Karras", "Euler a", false },
        { "eta 0.5", "Euler a", false },
        { "eta 0.5", "DDIM", false },
        { "s_churn 1", "Euler", false },
        { "s_noise 0.5 with churn", "Euler", false },
        { "eta_noise_seed_delta 31337", "Euler a", false },
        { "randn_source NV", "Euler a", false },
    };

    private static WebUiSettings Setting(string name) => name switch
    {
        "mask_blur 0" => new() { MaskBlur = 0 },
        "inpainting_fill 0" => new() { InpaintingFill = 0 },
        "inpainting_fill 2" => new() { InpaintingFill = 2 },
        "inpaint_full_res" => new() { InpaintFullRes = true, InpaintFullResPadding = 4 },
        "inpainting_mask_invert" => new() { InpaintingMaskInvert = 1 },
        "seed_resize_from 64x64" => new() { SeedResizeFromW = 64, SeedResizeFromH = 64 },
        "scheduler Karras" => new() { Scheduler = "Karras" },
        "eta 0.5" => new() { SamplerOptions = new SamplerOptions { Eta = 0.5 } },
        "s_churn 1" => new() { SamplerOptions = new SamplerOptions { SChurn = 1 } },
        "s_noise 0.5 with churn" => new() { SamplerOptions = new SamplerOptions { SChurn = 1, SNoise = 0.5 } },
        "eta_noise_seed_delta 31337" => new() { EtaNoiseSeedDelta = 31337 },
        "randn_source NV" => new() { RandnSource = RandnSource.NV },
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void SettingChangesTheImage(string setting, string sampler, bool masked)
    {
        var baseline = Baseline(sampler, masked);
        var changed = Generate(sampler, Setting(setting), masked);
        Assert.False(Same(baseline, changed), $"{setting} on {sampler} left the image unchanged");
    }

    [Theory]
    [InlineData("Euler a")]
    public void SettingsOtherSamplersDoNotTakeChangeNothing(string sampler)
    {
        // WebUI hands the churn settings to Euler, Heun and DPM2 only, and eta only to ancestral/SDE samplers and DDIM.
        var baseline = Baseline(sampler);
        var churn = Generate(sampler, new WebUiSettings { SamplerOptions = new SamplerOptions { SChurn = 1, SNoise = 0.5, STmin = 0.2 } });
        Assert.True(Same(baseline, churn), $"churn settings changed {sampler}");
        var explicitDefaults = Generate(sampler, new WebUiSettings { RandnSource = RandnSource.Gpu, SamplerOptions = new SamplerOptions { Eta = 1 } });
        Assert.True(Same(baseline, explicitDefaults), $"eta 1 and randn_source GPU changed {sampler}");
    }

    [Fact]
    public void SchedulerSuffixOfTheSamplerNameStillWorks()
    {
        var suffix = Generate("Euler a Karras", WebUiSettings.Default);
        Assert.True(Same(suffix, Generate("Euler a", new WebUiSettings { Scheduler = "Karras" })), "'Euler a Karras' differs from Euler a + Karras");
    }

}
