using System.Globalization;
using System.Text.Json;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Sampling;

namespace VideoLoopback.Diffusion.Tests.Sampling;

/// <summary>Every row of img2img.json's schedule_table: t_enc, steps and sigma/timestep slices as WebUI's sample_img2img.</summary>
[Trait("Category", "Golden")]
[Trait("Area", "sampling")]
public class Img2ImgScheduleGoldenTests
{
    private const double Tolerance = 1e-6;
    private static JsonElement Table => SamplingGolden.Json("img2img.json").GetProperty("schedule_table");

    public static TheoryData<string> Rows()
    {
        var data = new TheoryData<string>();
        foreach (var row in Table.EnumerateObject()) data.Add(row.Name);
        return data;
    }

    private static (string Sampler, int Steps, double Denoise) ParseKey(string key)
    {
        var parts = key.Split('|');
        return (parts[0], int.Parse(parts[1]["steps=".Length..]), double.Parse(parts[2]["denoise=".Length..], CultureInfo.InvariantCulture));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void StepSelectionMatchesWebUi(string key)
    {
        var row = Table.GetProperty(key);
        var (samplerName, steps, denoise) = ParseKey(key);
        var sampler = SamplerRegistry.Get(samplerName);
        Assert.Equal(row.GetProperty("steps_after_setup").GetInt32(), steps);
        if (sampler.IsTimestepSampler)
        {
            var ddim = DdimImg2ImgSteps.For(steps, denoise, DiscreteSchedule.Sd15);
            Assert.Equal(row.GetProperty("t_enc").GetInt32(), ddim.TEnc);
            Assert.Equal(row.GetProperty("launch_sampling_steps").GetInt32(), ddim.TEnc + 1);
            Assert.Equal(row.GetProperty("timesteps_full").EnumerateArray().Select(e => e.GetInt32()), ddim.TimestepsFull);
            Assert.Equal(row.GetProperty("timesteps_sched").EnumerateArray().Select(e => e.GetInt32()), ddim.Timesteps);
            SamplingGolden.AssertListClose($"{key} noise scale", [row.GetProperty("xi_equals_x_plus_noise_times").GetDouble()], [ddim.NoiseScale], Tolerance);
            return;
        }

        var plan = Img2ImgSteps.ForSigmas(sampler, steps, denoise, Scheduler.Automatic, DiscreteSchedule.Sd15);
        Assert.Equal(row.GetProperty("t_enc").GetInt32(), plan.TEnc);
        Assert.Equal(row.GetProperty("launch_sampling_steps").GetInt32(), plan.SamplingSteps);
        SamplingGolden.AssertListClose($"{key} sigmas_full", SamplingGolden.Doubles(row.GetProperty("sigmas_full")), plan.SigmasFull.Select(v => (double)v).ToArray(), Tolerance);
        SamplingGolden.AssertListClose($"{key} noise scale", [row.GetProperty("xi_equals_x_plus_noise_times").GetDouble()], [plan.NoiseScale], Tolerance);
        if (row.TryGetProperty("sigmas", out var sigmas))
            SamplingGolden.AssertListClose($"{key} sigmas", SamplingGolden.Doubles(sigmas), plan.Sigmas.Select(v => (double)v).ToArray(), Tolerance);
        if (row.TryGetProperty("sigma_min", out var sigmaMin))
        {
            // DPM fast / adaptive receive the ends of the slice (and DPM fast the step count) instead of the list.
            SamplingGolden.AssertListClose($"{key} sigma_min/max",
                [sigmaMin.GetDouble(), row.GetProperty("sigma_max").GetDouble()], [plan.Sigmas[^2], plan.Sigmas[0]], Tolerance);
            if (row.TryGetProperty("n", out var n)) Assert.Equal((int)n.GetDouble(), plan.Sigmas.Length - 1);
        }
        bool brownian = row.GetProperty("noise_sampler").ValueKind == JsonValueKind.String;
        Assert.Equal(brownian, sampler.BrownianNoise);
        var kwargs = row.GetProperty("other_kwargs");
        // WebUI's keyword arguments must equal our defaults (eta_ancestral 1, no churn, s_noise 1).
        var defaults = new SamplerContext((x, _) => x, [1f, 0f], () => throw new InvalidOperationException());
        foreach (var kwarg in kwargs.EnumerateObject())
        {
            if (kwarg.Name == "solver_type")
            {
                Assert.Equal("heun", kwarg.Value.GetString());
                Assert.Equal("DPM++ 2M SDE Heun", samplerName);
                continue;
            }
            double expected = SamplingGolden.Number(kwarg.Value);
            double actual = kwarg.Name switch
            {
                "eta" => defaults.Eta,
                "s_noise" => defaults.SNoise,
                "s_churn" => defaults.SChurn,
                "s_tmin" => defaults.STmin,
                "s_tmax" => defaults.STmax,
                _ => throw new InvalidOperationException($"{key}: unexpected sampler argument '{kwarg.Name}'"),
            };
            Assert.True(expected.Equals(actual), $"{key}: {kwarg.Name} = {actual}, WebUI passes {expected}");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void StepsBelowOneAreRejected(int steps)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Img2ImgSteps.ForSigmas(SamplerRegistry.Get("Euler"), steps, 0.5, null, DiscreteSchedule.Sd15));
        Assert.Contains("steps must be ≥ 1", e.Message);
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void DenoisingOutsideUnitIntervalIsRejected(double denoising)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Img2ImgSteps.ForSigmas(SamplerRegistry.Get("Euler"), 10, denoising, null, DiscreteSchedule.Sd15));
        Assert.Contains("denoising strength must lie in [0,1]", e.Message);
    }

    [Fact]
    public void UnknownSamplerAndSchedulerNameTheChoices()
    {
        var sampler = Assert.Throws<ArgumentException>(() => SamplerRegistry.Get("Euler b"));
        Assert.Contains("unknown sampler 'Euler b'", sampler.Message);
        Assert.Contains("DPM++ 2M", sampler.Message);
        var scheduler = Assert.Throws<ArgumentException>(() => Scheduler.Get("Karras2"));
        Assert.Contains("unknown scheduler 'Karras2'", scheduler.Message);
    }

    [Fact]
    public void OldStyleNamesSplitIntoSamplerAndScheduler()
    {
        var (sampler, scheduler) = SamplerRegistry.Resolve("DPM++ 2M Karras");
        Assert.Equal("DPM++ 2M", sampler.Name);
        Assert.Same(Scheduler.Karras, scheduler);
        (sampler, scheduler) = SamplerRegistry.Resolve("Euler a");
        Assert.Equal("Euler a", sampler.Name);
        Assert.True(scheduler.IsAutomatic);
    }
}
