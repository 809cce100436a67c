using System.Text.Json;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Sampling.Noise;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sampling;

/// <summary>
/// sampling/sampler_options: k-diffusion's samplers with WebUI's non-default eta, s_churn, s_tmin, s_tmax and s_noise on the
/// toy denoiser with recorded noise, run through <see cref="SamplerOptions"/> (which hands each value only to the samplers
/// WebUI gives it to); and WebUI's image RNG with randn_source GPU on a CPU device.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sampling")]
public class SamplerOptionsGoldenTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Folder = "sampler_options";

    private static JsonElement Root => SamplingGolden.Json(Path.Combine(Folder, "sampler_options.json"));

    private static SafetensorsFile Open() => SafetensorsFile.Open(SamplingGolden.PathOf(Folder, "sampler_options.safetensors"));

    public static TheoryData<string> SamplerCases() => Names("cases");

    public static TheoryData<string> NoiseCases() => Names("noise_cases");

    private static TheoryData<string> Names(string property)
    {
        var data = new TheoryData<string>();
        foreach (var c in Root.GetProperty(property).EnumerateObject()) data.Add(c.Name);
        return data;
    }

    private static double Kwarg(JsonElement kwargs, string name, double fallback) =>
        kwargs.TryGetProperty(name, out var v) ? v.GetDouble() : fallback;

    [Theory]
    [MemberData(nameof(SamplerCases))]
    public void TrajectoryMatchesKDiffusionWithWebUisOptions(string caseName)
    {
        using var scope = NewDisposeScope();
        var info = Root.GetProperty("cases").GetProperty(caseName);
        var kwargs = info.GetProperty("kwargs");
        var options = new SamplerOptions
        {
            Eta = kwargs.TryGetProperty("eta", out var eta) ? eta.GetDouble() : null,
            SChurn = Kwarg(kwargs, "s_churn", 0), STmin = Kwarg(kwargs, "s_tmin", 0),
            STmax = Kwarg(kwargs, "s_tmax", double.PositiveInfinity), SNoise = Kwarg(kwargs, "s_noise", 1),
        };
        var sampler = SamplerRegistry.Get(info.GetProperty("sampler").GetString()!);
        var sigmas = SamplingGolden.Floats(info.GetProperty("sigmas"));
        using var file = Open();
        var pool = file.Load(caseName + "/noises");
        int drawn = 0;
        Tensor Draw()
        {
            Assert.True(drawn < pool.shape[0], $"{caseName}: sampler drew noise #{drawn + 1} but only {pool.shape[0]} were recorded");
            return pool[drawn++].reshape(1, 4, 8, 8);
        }
        var xs = new List<Tensor>();
        var denoiseds = new List<Tensor>();
        int calls = 0;
        var context = options.Context(sampler, (x, s) =>
        {
            calls++;
            var sigma = s.reshape(-1, 1, 1, 1);
            return x * (1 / (1 + sigma * sigma)) + 0.1 * x.tanh();
        }, sigmas, Draw, (_, _) => Draw(), step =>
        {
            xs.Add(step.X.clone().MoveToOuterDisposeScope());
            denoiseds.Add(step.Denoised.clone().MoveToOuterDisposeScope());
        });
        var final = sampler.Run!(context, file.Load(caseName + "/x_init"));

        int expectedDraws = info.GetProperty("n_noise_draws").GetInt32();
        Assert.True(expectedDraws == drawn, $"{caseName}: drew {drawn} noise tensors, upstream drew {expectedDraws}");
        int expectedCalls = info.GetProperty("model_call_sigmas").GetArrayLength();
        Assert.True(expectedCalls == calls, $"{caseName}: {calls} model calls, upstream made {expectedCalls}");
        foreach (var (what, actual) in new[] { ("x_callback", stack(xs)), ("denoised_callback", stack(denoiseds)), ("x_final", final) })
            output.WriteLine("scaled error {0:E2}: {1} {2}",
                SamplingGolden.AssertTensorClose($"{caseName} {what}", file.Load($"{caseName}/{what}"), actual, 1e-5), caseName, what);
    }

    [Theory]
    [MemberData(nameof(NoiseCases))]
    public void GpuSourceOnTheCpuMatchesWebUi(string caseName)
    {
        using var scope = NewDisposeScope();
        var info = Root.GetProperty("noise_cases").GetProperty(caseName);
        var seeds = info.GetProperty("seeds").EnumerateArray().Select(e => e.GetUInt64()).ToList();
        var subseeds = info.GetProperty("subseeds") is { ValueKind: JsonValueKind.Array } s ? s.EnumerateArray().Select(e => e.GetUInt64()).ToList() : null;
        using var noise = new ImageNoise([4, 8, 8], seeds, RandnSource.Gpu, CPU, subseeds, info.GetProperty("subseed_strength").GetDouble(),
            etaNoiseSeedDelta: info.GetProperty("eta_noise_seed_delta").GetUInt64());
        using var file = Open();
        SamplingGolden.AssertTensorClose($"{caseName} first", file.Load(caseName + "/first"), noise.Next(), 1e-6);
        var next = stack(Enumerable.Range(0, info.GetProperty("next_count").GetInt32()).Select(_ => noise.Next()).ToList());
        SamplingGolden.AssertTensorClose($"{caseName} next", file.Load(caseName + "/next"), next, 1e-6);
    }
}
