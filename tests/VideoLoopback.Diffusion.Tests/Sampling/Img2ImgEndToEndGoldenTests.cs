using System.Text.Json;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Sampling.Noise;
using VideoLoopback.Diffusion.Text;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sampling;

/// <summary>
/// img2img.json e2e_cases: WebUI's whole img2img sampling (image RNG, step selection, CFG with
/// negative prompts and AND, prompt editing by denoiser step) over the README's toy UNet and toy
/// text conditioning. The DPM++ SDE case runs on WebUI's Brownian-tree noise (one tree per image seed),
/// the default of <see cref="LatentImg2Img"/> for SDE samplers.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sampling")]
public class Img2ImgEndToEndGoldenTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static JsonElement Root => SamplingGolden.Json("img2img.json");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Root.GetProperty("e2e_cases").EnumerateObject())
            data.Add(c.Name);
        return data;
    }

    /// <summary>README toy UNet: eps = 0.5·tanh(x) + 0.1·(t/1000)·x + mean of the row's text conditioning.</summary>
    private static Tensor ToyUnet(Tensor x, Tensor t, Tensor text, Tensor? image) =>
        0.5 * x.tanh() + 0.1 * (t.reshape(-1, 1, 1, 1) / 1000) * x + text.mean([1, 2]).reshape(-1, 1, 1, 1);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Img2ImgSamplingMatchesWebUi(string caseName)
    {
        using var scope = NewDisposeScope();
        var info = Root.GetProperty("e2e_cases").GetProperty(caseName);
        using var file = SafetensorsFile.Open(SamplingGolden.PathOf("img2img.safetensors"));
        var texts = new Dictionary<string, Tensor>();
        foreach (var entry in Root.GetProperty("toy_text_cond_index").EnumerateObject())
            texts[entry.Value.GetString()!] = file.Load("e2e/toy_text_cond/" + entry.Name);

        int steps = info.GetProperty("steps").GetInt32();
        var prompts = info.GetProperty("prompts").EnumerateArray().Select(p => p.GetString()!).ToArray();
        var negatives = info.GetProperty("negative_prompts").EnumerateArray().Select(p => p.GetString()!).ToArray();
        // WebUI's prompt handling (AND parts, prompt-editing schedules by denoiser step) over the toy text
        // encoder: every text the schedules ask for is one of the recorded toy conditionings.
        PromptSchedule Scheduled(string prompt) => new(PromptScheduler.GetSchedule(prompt, steps)
            .Select(e => new ScheduledConditioning(e.EndAtStep, texts[e.Text])).ToList());
        var multicond = MultiCondPrompts.Parse(prompts);
        var positive = new MultiCondConditioning(multicond.Parts
            .Select(parts => (IReadOnlyList<(PromptSchedule, double)>)parts.Select(p => (Scheduled(multicond.Texts[p.Index]), p.Weight)).ToList())
            .ToList());
        ConditioningAtStep conditioning = PromptGuidance.From(positive, negatives.Select(Scheduled).ToList());

        var seeds = info.GetProperty("seeds").EnumerateArray().Select(s => s.GetUInt64()).ToArray();
        var source = RandnSourceNames.Parse(info.GetProperty("randn_source").GetString()!);
        ulong ensd = info.TryGetProperty("ensd", out var e) ? e.GetUInt64() : 0;
        using var rng = new ImageNoise([4, 8, 8], seeds, source, CPU, etaNoiseSeedDelta: ensd);
        var xs = new List<Tensor>();
        var firstRowTimesteps = new List<double>();
        var unetBatches = new List<long>();
        var run = new LatentImg2Img
        {
            EpsModel = (x, t, c) =>
            {
                firstRowTimesteps.Add(t[0].item<float>());
                unetBatches.Add(x.shape[0]);
                return ToyUnet(x, t, c.Text, c.Image);
            },
            Sampler = SamplerRegistry.Get(info.GetProperty("sampler").GetString()!),
            Steps = steps,
            Denoising = info.GetProperty("denoise").GetDouble(),
            CfgScale = info.GetProperty("cfg_scale").GetDouble(),
            Conditioning = conditioning,
            ImageConditioning = zeros(2, 5, 1, 1),
            Callback = s => xs.Add(s.X.clone().DetachFromDisposeScope()),
        };
        // The first RNG draw is the initial noise; compare it on a twin RNG so the run consumes its own.
        using (var twin = new ImageNoise([4, 8, 8], seeds, source, CPU, etaNoiseSeedDelta: ensd))
            output.WriteLine("scaled error {0:E2}: {1}", SamplingGolden.AssertTensorClose($"{caseName} noise", file.Load(caseName + "/noise"), twin.Next(), source == RandnSource.NV ? 1e-5 : 1e-6, scaleByMax: false), $"{caseName} noise");

        var samples = run.Run(file.Load("e2e/init_latent"), rng);

        Assert.Equal(info.GetProperty("n_unet_calls").GetInt32(), unetBatches.Count);
        Assert.Equal(info.GetProperty("unet_batch_sizes").EnumerateArray().Select(v => (long)v.GetInt32()), unetBatches);
        SamplingGolden.AssertListClose($"{caseName} UNet timesteps", SamplingGolden.Doubles(info.GetProperty("unet_timesteps_first_row")), firstRowTimesteps, 1e-5);
        output.WriteLine("scaled error {0:E2}: {1}", SamplingGolden.AssertTensorClose($"{caseName} x_callback", file.Load(caseName + "/x_callback"), stack(xs), 1e-4), $"{caseName} x_callback");
        output.WriteLine("scaled error {0:E2}: {1}", SamplingGolden.AssertTensorClose($"{caseName} samples", file.Load(caseName + "/samples"), samples, 1e-4), $"{caseName} samples");
    }
}
