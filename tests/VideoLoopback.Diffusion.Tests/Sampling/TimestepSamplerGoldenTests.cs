using System.Globalization;
using System.Text.Json;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Sampling;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sampling;

/// <summary>
/// sampling/timesteps: WebUI's DDIM CFG++, PLMS, UniPC (timesteps samplers, toy eps model behind CFG with one prompt
/// and one negative prompt) and LCM (toy eps model behind LCM's denoiser), txt2img and img2img, against the
/// trajectories the real upstream code produced; recorded noise consumed in draw order.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sampling")]
public class TimestepSamplerGoldenTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;
    private static JsonElement Root => SamplingGolden.Json(Path.Combine("timesteps", "timesteps.json"));
    private static JsonElement Cases => Root.GetProperty("cases");
    private static SafetensorsFile OpenData() => SafetensorsFile.Open(SamplingGolden.PathOf("timesteps", "timesteps.safetensors"));

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases.EnumerateObject()) data.Add(c.Name);
        return data;
    }

    /// <summary>eps(x, t) = 0.5·tanh(x) + 0.1·(t/1000)·x ± 0.05 (+ for prompt rows, − for negative-prompt rows).</summary>
    private static Tensor ToyEps(Tensor x, Tensor t, ModelConditioning rows)
    {
        var tt = t.to_type(ScalarType.Float32).reshape(-1, 1, 1, 1);
        var offset = (rows.IsPositive * 0.1 - 0.05).reshape(-1, 1, 1, 1);
        return 0.5 * x.tanh() + 0.1 * (tt / 1000) * x + offset;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void TrajectoryMatchesWebUi(string caseName)
    {
        using var scope = NewDisposeScope();
        var info = Cases.GetProperty(caseName);
        string samplerName = info.GetProperty("sampler").GetString()!;
        bool img2img = info.GetProperty("mode").GetString() == "img2img";
        using var file = OpenData();
        int draws = info.GetProperty("n_noise_draws").GetInt32();
        var noise = new RecordedNoise(draws > 0 ? file.Load(caseName + "/noises") : zeros(0, 4, 8, 8));
        var xs = new List<Tensor>();
        var denoiseds = new List<Tensor>();
        var calls = new List<double>();
        void Record(SamplerStep step)
        {
            xs.Add(step.X.clone().MoveToOuterDisposeScope());
            denoiseds.Add(step.Denoised.clone().MoveToOuterDisposeScope());
        }
        Tensor Model(Tensor x, Tensor t, ModelConditioning rows)
        {
            calls.Add(t[0].to_type(ScalarType.Float64).item<double>());
            return ToyEps(x, t, rows);
        }

        var sampler = SamplerRegistry.Get(samplerName);
        var xInit = file.Load(caseName + "/x_init");
        int steps = info.GetProperty("steps").GetInt32();
        Tensor final;
        if (sampler.IsTimestepSampler)
        {
            var timesteps = info.GetProperty("timesteps").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            CheckTimesteps(caseName, info, steps, timesteps, img2img, file, xInit);
            var text = zeros(1, 1, 1);
            using var cfg = new CfgDenoiser(Model, _ => new CfgConditioning(text, [[(0, 1.0)]], text), Root.GetProperty("cfg_scale").GetDouble());
            var context = new TimestepSamplerContext(cfg.Denoise, timesteps, DiscreteSchedule.Sd15, noise.Next)
            {
                IsImg2Img = img2img, Guidance = cfg, Callback = Record,
            };
            final = info.GetProperty("variant").GetString() == "bh2"
                ? UniPc.Sample(context, xInit, UniPcVariant.Bh2)
                : sampler.RunTimesteps!(context, xInit);
        }
        else
        {
            var sigmas = CheckLcmSigmas(caseName, info, sampler, steps, img2img, file, xInit);
            var wrapped = sampler.WrapEpsModel(Model, DiscreteSchedule.Sd15);
            var rows = ModelConditioning.Positive(zeros(1, 1, 1));
            var context = new SamplerContext((x, s) => wrapped(x, s, rows), sigmas, noise.Next) { Callback = Record };
            final = sampler.Run!(context, xInit);
        }

        Assert.True(draws == noise.Drawn, $"{caseName}: drew {noise.Drawn} noise tensors, upstream drew {draws}");
        var expectedCalls = SamplingGolden.Doubles(info.GetProperty("model_calls"));
        SamplingGolden.AssertListClose($"{caseName} model call timesteps", expectedCalls, calls, 1e-6);
        int nDenoised = info.GetProperty("n_denoised").GetInt32();
        Compare(caseName, "x_callback", file, stack(xs));
        Compare(caseName, "denoised_callback", file, stack(denoiseds.Take(nDenoised)));
        Compare(caseName, "x_final", file, final);
    }

    private void Compare(string caseName, string what, SafetensorsFile file, Tensor actual) =>
        output.WriteLine("scaled error {0:E2}: {1} {2}", SamplingGolden.AssertTensorClose($"{caseName} {what}", file.Load($"{caseName}/{what}"), actual, Tolerance),
            caseName, what);

    /// <summary>The timesteps and the starting latent our img2img planning gives for the case's steps and strength.</summary>
    private static void CheckTimesteps(string caseName, JsonElement info, int steps, int[] timesteps, bool img2img, SafetensorsFile file, Tensor xInit)
    {
        if (!img2img)
        {
            Assert.Equal(Ddim.Timesteps(steps, DiscreteSchedule.Sd15), timesteps);
            return;
        }
        var plan = DdimImg2ImgSteps.For(steps, Denoise(info), DiscreteSchedule.Sd15);
        Assert.True(plan.TEnc == info.GetProperty("t_enc").GetInt32(), $"{caseName}: t_enc {plan.TEnc}");
        Assert.Equal(timesteps, plan.Timesteps);
        var xi = file.Load("init_latent") * plan.InitScale + file.Load("x_unit") * plan.NoiseScale;
        SamplingGolden.AssertTensorClose($"{caseName} initial latent", xInit, xi, Tolerance);
    }

    /// <summary>LCM's sigmas for the case (full schedule and the img2img slice) and the starting latent.</summary>
    private static float[] CheckLcmSigmas(string caseName, JsonElement info, SamplerInfo sampler, int steps, bool img2img, SafetensorsFile file, Tensor xInit)
    {
        var full = sampler.GetSigmas(steps, Scheduler.Automatic, DiscreteSchedule.Sd15);
        SamplingGolden.AssertListClose($"{caseName} sigmas_full", SamplingGolden.Doubles(info.GetProperty("sigmas_full")), [.. full.Select(v => (double)v)], 1e-6);
        if (!img2img)
        {
            SamplingGolden.AssertTensorClose($"{caseName} initial latent", xInit, file.Load("x_unit") * full[0], Tolerance);
            return full;
        }
        var plan = Img2ImgSteps.ForSigmas(sampler, steps, Denoise(info), Scheduler.Automatic, DiscreteSchedule.Sd15);
        Assert.True(plan.TEnc == info.GetProperty("t_enc").GetInt32(), $"{caseName}: t_enc {plan.TEnc}");
        SamplingGolden.AssertListClose($"{caseName} sigmas", SamplingGolden.Doubles(info.GetProperty("sigmas")), [.. plan.Sigmas.Select(v => (double)v)], 1e-6);
        SamplingGolden.AssertTensorClose($"{caseName} initial latent", xInit, file.Load("init_latent") + file.Load("x_unit") * plan.NoiseScale, Tolerance);
        return plan.Sigmas;
    }

    private static double Denoise(JsonElement info) => double.Parse(info.GetProperty("denoise").ToString(), CultureInfo.InvariantCulture);

    [Fact]
    public void LcmSigmaTableMatchesWebUi()
    {
        var lcm = Root.GetProperty("lcm");
        foreach (var n in lcm.GetProperty("get_sigmas").EnumerateObject())
        {
            var expected = SamplingGolden.Doubles(n.Value);
            var actual = Lcm.Sigmas(int.Parse(n.Name, CultureInfo.InvariantCulture), DiscreteSchedule.Sd15);
            SamplingGolden.AssertListClose($"LCM get_sigmas({n.Name})", expected, [.. actual.Select(v => (double)v)], 1e-6);
        }
    }
}
