using System.Text.Json;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Sampling;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sampling;

/// <summary>
/// Every trajectory of samplers.safetensors (x at each callback, denoised at each callback, final x)
/// with the toy denoiser D(x, σ) = x/(1+σ²) + 0.1·tanh(x) and the recorded noise consumed in draw order.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sampling")]
public class SamplerGoldenTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static JsonElement Cases => SamplingGolden.Json("samplers.json").GetProperty("cases");

    public static TheoryData<string> TrajectoryCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases.EnumerateObject())
            if (c.Value.TryGetProperty("sampler", out _)) data.Add(c.Name);
        return data;
    }

    public static TheoryData<string> DdimCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases.EnumerateObject())
            if (c.Name.StartsWith("ddim/")) data.Add(c.Name);
        return data;
    }

    private static Tensor ToyDenoiser(Tensor x, Tensor sigma)
    {
        var s = sigma.reshape(-1, 1, 1, 1);
        return x * (1 / (1 + s * s)) + 0.1 * x.tanh();
    }

    [Theory]
    [MemberData(nameof(TrajectoryCases))]
    public void TrajectoryMatchesKDiffusion(string caseName)
    {
        using var scope = NewDisposeScope();
        var info = Cases.GetProperty(caseName);
        string samplerName = info.GetProperty("sampler").GetString()!;
        bool brownian = caseName.EndsWith("/brownian_tree_cpu");
        var sigmas = SamplingGolden.Floats(info.GetProperty("sigmas"));
        using var file = SafetensorsFile.Open(SamplingGolden.PathOf("samplers.safetensors"));
        var xInit = file.Load(caseName + "/x_init");
        var noiseKey = caseName + (brownian ? "/brownian_noises" : "/noises");
        var noise = new RecordedNoise(file.Contains(noiseKey) ? file.Load(noiseKey) : zeros(0, 4, 8, 8));
        var xs = new List<Tensor>();
        var denoiseds = new List<Tensor>();
        int modelCalls = 0;
        var context = new SamplerContext((x, s) => { modelCalls++; return ToyDenoiser(x, s); }, sigmas, noise.Next)
        {
            NoiseSampler = (_, _) => noise.Next(),
            Callback = step => { xs.Add(step.X.clone().MoveToOuterDisposeScope()); denoiseds.Add(step.Denoised.clone().MoveToOuterDisposeScope()); },
        };
        var sampler = SamplerRegistry.Get(samplerName);
        int expectedDraws = int.Parse(info.GetProperty("n_noise_draws").ToString());
        if (samplerName == "DPM adaptive")
        {
            // A step-size controller: compare the accepted-step count (one noise draw each) and x_final loosely.
            var result = DpmSolver.SampleAdaptive(context, xInit, sigmas[^2], sigmas[0]);
            Assert.True(expectedDraws == result.Accepted, $"{caseName}: {result.Accepted} accepted steps, expected {expectedDraws}");
            Assert.True(int.Parse(info.GetProperty("n_callbacks").ToString()) == result.Steps, $"{caseName}: {result.Steps} solver steps");
            output.WriteLine("scaled error {0:E2}: {1}", SamplingGolden.AssertTensorClose($"{caseName} x_final", file.Load(caseName + "/x_final"), result.Sample, 1e-3), $"{caseName} x_final");
            return;
        }

        var final = sampler.Run!(context, xInit);
        double tolerance = samplerName == "LMS" ? 1e-4 : 1e-5;
        Assert.True(expectedDraws == noise.Drawn, $"{caseName}: drew {noise.Drawn} noise tensors, upstream drew {expectedDraws}");
        int expectedCalls = info.GetProperty("model_call_sigmas").GetArrayLength();
        Assert.True(expectedCalls == modelCalls, $"{caseName}: {modelCalls} model calls, upstream made {expectedCalls}");
        output.WriteLine("scaled error {0:E2}: {1}", SamplingGolden.AssertTensorClose($"{caseName} x_callback", file.Load(caseName + "/x_callback"), stack(xs), tolerance), $"{caseName} x_callback");
        output.WriteLine("scaled error {0:E2}: {1}", SamplingGolden.AssertTensorClose($"{caseName} denoised_callback", file.Load(caseName + "/denoised_callback"), stack(denoiseds), tolerance), $"{caseName} denoised_callback");
        output.WriteLine("scaled error {0:E2}: {1}", SamplingGolden.AssertTensorClose($"{caseName} x_final", file.Load(caseName + "/x_final"), final, tolerance), $"{caseName} x_final");
    }

    [Theory]
    [MemberData(nameof(DdimCases))]
    public void DdimTrajectoryMatchesWebUi(string caseName)
    {
        using var scope = NewDisposeScope();
        var info = Cases.GetProperty(caseName);
        using var file = SafetensorsFile.Open(SamplingGolden.PathOf("samplers.safetensors"));
        int steps = int.Parse(caseName["ddim/steps".Length..]);
        var timesteps = Ddim.Timesteps(steps, DiscreteSchedule.Sd15);
        Assert.Equal(info.GetProperty("timesteps").EnumerateArray().Select(e => e.GetInt32()), timesteps);
        var xs = new List<Tensor>();
        var x0s = new List<Tensor>();
        var calls = new List<double>();
        var final = Ddim.Sample(
            (x, t) => { calls.Add(t[0].item<float>()); return 0.5 * x.tanh() + 0.1 * (t.reshape(-1, 1, 1, 1) / 1000) * x; },
            file.Load(caseName + "/x_init"), timesteps, DiscreteSchedule.Sd15,
            () => randn(1, 4, 8, 8), eta: double.Parse(info.GetProperty("eta").ToString(), System.Globalization.CultureInfo.InvariantCulture),
            callback: step => { xs.Add(step.X.clone().MoveToOuterDisposeScope()); x0s.Add(step.Denoised.clone().MoveToOuterDisposeScope()); });
        Assert.Equal(SamplingGolden.Doubles(info.GetProperty("model_call_timesteps")), calls);
        output.WriteLine("scaled error {0:E2}: {1}", SamplingGolden.AssertTensorClose($"{caseName} x_callback_after_step", file.Load(caseName + "/x_callback_after_step"), stack(xs), 1e-5), $"{caseName} x_callback_after_step");
        output.WriteLine("scaled error {0:E2}: {1}", SamplingGolden.AssertTensorClose($"{caseName} pred_x0_callback", file.Load(caseName + "/pred_x0_callback"), stack(x0s), 1e-5), $"{caseName} pred_x0_callback");
        output.WriteLine("scaled error {0:E2}: {1}", SamplingGolden.AssertTensorClose($"{caseName} x_final", file.Load(caseName + "/x_final"), final, 1e-5), $"{caseName} x_final");
    }
}
