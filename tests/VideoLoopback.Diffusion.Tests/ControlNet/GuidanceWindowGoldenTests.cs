using System.Text.Json;
using VideoLoopback.Diffusion.ControlNet;
using VideoLoopback.Diffusion.Tests.Lora;

namespace VideoLoopback.Diffusion.Tests.ControlNet;

/// <summary><c>guidance_window_rule.json</c>: which 0-based sampler steps get control for each (steps, start, end), exactly.</summary>
[Trait("Category", "Golden")]
[Trait("Area", "adapters")]
public class GuidanceWindowGoldenTests
{
    public static TheoryData<int, double, double, string> Cases()
    {
        var data = new TheoryData<int, double, double, string>();
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AdapterGolden.ControlNetFolder, "guidance_window_rule.json")));
        foreach (var c in json.RootElement.GetProperty("cases").EnumerateArray())
            data.Add(c.GetProperty("total_sampling_steps").GetInt32(), c.GetProperty("guidance_start").GetDouble(), c.GetProperty("guidance_end").GetDouble(),
                string.Join(",", c.GetProperty("active_per_sampler_step_i").EnumerateArray().Select(b => b.GetBoolean() ? 1 : 0)));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ActiveStepsMatch(int steps, double start, double end, string expected)
    {
        int count = expected.Split(',').Length;
        var actual = string.Join(",", Enumerable.Range(0, count).Select(i => GuidanceWindow.IsActive(i, steps, start, end) ? 1 : 0));
        Assert.True(expected == actual, $"steps {steps} start {start} end {end}: active {actual}, expected {expected}");
    }
}
