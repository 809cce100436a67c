using System.Text.RegularExpressions;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// A "&lt;network:arg:arg...&gt;" tag (WebUI extra networks, e.g. "&lt;lora:name:0.8&gt;"). Items containing
/// '=' are named ("te=0.5"), the others positional, as in WebUI's ExtraNetworkParams.
/// </summary>
public sealed partial record ExtraNetworkTag(string Network, IReadOnlyList<string> Items)
{
    [GeneratedRegex(@"<(\w+):([^>]+)>")]
    private static partial Regex TagPattern();

    public IReadOnlyList<string> Positional => Items.Where(i => !i.Contains('=')).ToList();

    public IReadOnlyDictionary<string, string> Named =>
        Items.Where(i => i.Contains('=')).Select(i => i.Split('=', 2)).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);

    /// <summary>
    /// Removes every extra-network tag from <paramref name="prompt"/> (WebUI's extra_networks.parse_prompt)
    /// and returns the remaining text and the tags in order. Nothing else of the prompt changes.
    /// </summary>
    public static (string Prompt, List<ExtraNetworkTag> Tags) Extract(string prompt)
    {
        var tags = new List<ExtraNetworkTag>();
        string stripped = TagPattern().Replace(prompt, m =>
        {
            tags.Add(new ExtraNetworkTag(m.Groups[1].Value, m.Groups[2].Value.Split(':')));
            return "";
        });
        return (stripped, tags);
    }
}
