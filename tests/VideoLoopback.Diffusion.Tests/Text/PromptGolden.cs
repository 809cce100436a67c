using System.Text.Json;
using VideoLoopback.Tests.Shared;

namespace VideoLoopback.Diffusion.Tests.Text;

/// <summary>Reads sampling/prompts.json (WebUI prompt parsing, scheduling and chunking results).</summary>
internal static class PromptGolden
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        using var document = JsonDocument.Parse(File.ReadAllText(GoldenData.Path("sampling", "prompts.json")));
        return document.RootElement.Clone();
    });

    public static JsonElement Section(string name) => Root.Value.GetProperty(name);

    /// <summary>(index, short label) for every case of a section, for [MemberData].</summary>
    public static TheoryData<int, string> Cases(string section)
    {
        var data = new TheoryData<int, string>();
        int index = 0;
        foreach (var c in Section(section).EnumerateArray())
        {
            string prompt = c.GetProperty("prompt").GetString()!;
            string label = prompt.Length > 40 ? prompt[..40] + "…" : prompt;
            foreach (var extra in new[] { "steps", "hires_steps", "use_old_scheduling", "comma_padding_backtrack" })
                if (c.TryGetProperty(extra, out var value) && value.ValueKind != JsonValueKind.Null)
                    label += $" {extra}={value}";
            data.Add(index++, label);
        }
        return data;
    }

    public static bool WeightsEqual(double expected, double actual) =>
        expected == actual || Math.Abs(expected - actual) <= 1e-12 * Math.Max(Math.Abs(expected), Math.Abs(actual));
}
