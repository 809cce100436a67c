using System.Text.RegularExpressions;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// WebUI's composable prompts (prompt_parser.get_multicond_prompt_list): each prompt is split at the
/// whole word AND; each part may end in ":weight". Identical parts across the batch share one entry of
/// <see cref="Texts"/>; <see cref="Parts"/> gives, per prompt, (index into Texts, weight) for each part.
/// </summary>
public sealed partial class MultiCondPrompts
{
    [GeneratedRegex(@"\bAND\b")]
    private static partial Regex AndWord();

    // Lazy text, then an optional ":number" and trailing whitespace.
    [GeneratedRegex(@"^((?:\s|.)*?)(?:\s*:\s*([-+]?(?:\d+\.?|\d*\.\d+)))?\s*$")]
    private static partial Regex TextAndWeight();

    private MultiCondPrompts(IReadOnlyList<string> texts, IReadOnlyList<IReadOnlyList<(int Index, double Weight)>> parts)
    {
        Texts = texts;
        Parts = parts;
    }

    /// <summary>The distinct sub-prompts, in order of first appearance.</summary>
    public IReadOnlyList<string> Texts { get; }

    /// <summary>Per prompt of the batch, its parts as (index into <see cref="Texts"/>, weight).</summary>
    public IReadOnlyList<IReadOnlyList<(int Index, double Weight)>> Parts { get; }

    public static MultiCondPrompts Parse(IEnumerable<string> prompts)
    {
        var texts = new List<string>();
        var indexByText = new Dictionary<string, int>();
        var parts = new List<IReadOnlyList<(int, double)>>();
        foreach (string prompt in prompts)
        {
            var promptParts = new List<(int, double)>();
            foreach (string part in AndWord().Split(prompt))
            {
                var m = TextAndWeight().Match(part);
                string text = m.Success ? m.Groups[1].Value : part;
                double weight = 1.0;
                if (m.Success && m.Groups[2].Success && !PythonFloat.TryParse(m.Groups[2].Value, out weight))
                    throw new PromptSyntaxException($"prompt \"{prompt}\": AND weight '{m.Groups[2].Value}' is not a number");
                if (!indexByText.TryGetValue(text, out int index))
                {
                    index = texts.Count;
                    texts.Add(text);
                    indexByText[text] = index;
                }
                promptParts.Add((index, weight));
            }
            parts.Add(promptParts);
        }
        return new MultiCondPrompts(texts, parts);
    }
}
