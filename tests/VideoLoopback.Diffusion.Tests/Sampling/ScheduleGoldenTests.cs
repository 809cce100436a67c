using System.Text.Json;
using VideoLoopback.Diffusion.Sampling;

namespace VideoLoopback.Diffusion.Tests.Sampling;

/// <summary>Every sigma list and sigma↔t value of schedules.json, at 1e-6 × max(1, value).</summary>
[Trait("Category", "Golden")]
[Trait("Area", "sampling")]
public class ScheduleGoldenTests
{
    private const double Tolerance = 1e-6;
    private static JsonElement Root => SamplingGolden.Json("schedules.json");
    private static DiscreteSchedule Model => DiscreteSchedule.Sd15;

    [Fact]
    public void DiscreteModelScheduleMatchesLdm()
    {
        var model = Root.GetProperty("model");
        SamplingGolden.AssertListClose("betas_float64", SamplingGolden.Doubles(model.GetProperty("betas_float64")), Model.Betas, 1e-12);
        SamplingGolden.AssertListClose("alphas_cumprod_float32", SamplingGolden.Doubles(model.GetProperty("alphas_cumprod_float32")), Model.AlphasCumprod.Select(v => (double)v).ToArray(), Tolerance);
        SamplingGolden.AssertListClose("sigmas_float32", SamplingGolden.Doubles(model.GetProperty("sigmas_float32")), Model.Sigmas.Select(v => (double)v).ToArray(), Tolerance);
        SamplingGolden.AssertListClose("log_sigmas_float32", SamplingGolden.Doubles(model.GetProperty("log_sigmas_float32")), Model.LogSigmas.Select(v => (double)v).ToArray(), Tolerance);
        Assert.Equal(model.GetProperty("sigma_min").GetDouble(), Model.SigmaMin);
        Assert.Equal(model.GetProperty("sigma_max").GetDouble(), Model.SigmaMax);
    }

    public static TheoryData<string, int> ScheduleCases()
    {
        var data = new TheoryData<string, int>();
        foreach (var group in Root.EnumerateObject())
        {
            if (group.Name is "model" or "sigma_to_t" or "sigma_to_t_quantized" or "t_to_sigma" or "webui_samplers" or "scheduler_labels") continue;
            foreach (var n in group.Value.EnumerateObject()) data.Add(group.Name, int.Parse(n.Name));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ScheduleCases))]
    public void SigmaScheduleMatchesUpstream(string group, int n)
    {
        var expected = SamplingGolden.Doubles(Root.GetProperty(group).GetProperty(n.ToString()));
        float[] actual = group switch
        {
            "get_sigmas_uniform" => SigmaSchedules.Uniform(n, Model),
            "karras" => SigmaSchedules.Karras(n, Model.SigmaMin, Model.SigmaMax),
            "exponential" => SigmaSchedules.Exponential(n, Model.SigmaMin, Model.SigmaMax),
            "polyexponential_rho1" => SigmaSchedules.Polyexponential(n, Model.SigmaMin, Model.SigmaMax, 1.0),
            _ when group.StartsWith("scheduler_") => Scheduler.Get(group["scheduler_".Length..]).Build!(n, Model),
            _ => throw new InvalidOperationException($"schedules.json: no rule for group '{group}'"),
        };
        SamplingGolden.AssertListClose($"{group}[{n}]", expected, actual.Select(v => (double)v).ToArray(), Tolerance);
    }

    [Fact]
    public void SigmaToTMatchesLogSigmaInterpolation()
    {
        var c = Root.GetProperty("sigma_to_t");
        var input = SamplingGolden.Doubles(c.GetProperty("input_sigma_float32"));
        SamplingGolden.AssertListClose("sigma_to_t", SamplingGolden.Doubles(c.GetProperty("t")), input.Select(Model.SigmaToT).ToArray(), Tolerance);
    }

    [Fact]
    public void SigmaToTQuantizedMatchesNearestLogSigma()
    {
        var c = Root.GetProperty("sigma_to_t_quantized");
        var input = SamplingGolden.Doubles(c.GetProperty("input_sigma_float32"));
        var expected = SamplingGolden.Doubles(c.GetProperty("t"));
        var actual = input.Select(s => (double)Model.SigmaToTQuantized(s)).ToArray();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void TToSigmaMatchesUpstream()
    {
        var c = Root.GetProperty("t_to_sigma");
        var input = SamplingGolden.Doubles(c.GetProperty("input_t_float32"));
        SamplingGolden.AssertListClose("t_to_sigma", SamplingGolden.Doubles(c.GetProperty("sigma")), input.Select(Model.TToSigma).ToArray(), Tolerance);
    }

    public static TheoryData<string, int> AutomaticCases()
    {
        var data = new TheoryData<string, int>();
        foreach (var sampler in Root.GetProperty("webui_samplers").EnumerateObject())
            foreach (var n in sampler.Value.GetProperty("get_sigmas_automatic").EnumerateObject())
                data.Add(sampler.Name, int.Parse(n.Name));
        return data;
    }

    [Theory]
    [MemberData(nameof(AutomaticCases))]
    public void AutomaticSchedulePerSamplerMatchesWebUi(string samplerName, int steps)
    {
        var entry = Root.GetProperty("webui_samplers").GetProperty(samplerName);
        var sampler = SamplerRegistry.Get(samplerName);
        var expected = SamplingGolden.Doubles(entry.GetProperty("get_sigmas_automatic").GetProperty(steps.ToString()));
        var actual = sampler.GetSigmas(steps, Scheduler.Automatic, Model);
        SamplingGolden.AssertListClose($"{samplerName} automatic[{steps}]", expected, actual.Select(v => (double)v).ToArray(), Tolerance);

        var defaultScheduler = entry.GetProperty("default_scheduler").GetString()!;
        Assert.Equal(defaultScheduler.StartsWith("none") ? null : defaultScheduler, sampler.DefaultScheduler?.Name);
        foreach (var alias in entry.GetProperty("aliases").EnumerateArray())
            Assert.Same(sampler, SamplerRegistry.Get(alias.GetString()!));
        var options = entry.GetProperty("options");
        Assert.Equal(options.TryGetProperty("discard_next_to_last_sigma", out var d) && d.GetBoolean(), sampler.DiscardNextToLastSigma);
        Assert.Equal(options.TryGetProperty("uses_ensd", out var u) && u.GetBoolean(), sampler.UsesEnsd);
    }

    [Fact]
    public void SchedulerLabelsMatchWebUi()
    {
        foreach (var label in Root.GetProperty("scheduler_labels").EnumerateObject())
        {
            Assert.Equal(label.Value.GetString(), Scheduler.Get(label.Name).Label);
            Assert.Equal(label.Name, Scheduler.Get(label.Value.GetString()).Name);
        }
    }
}
