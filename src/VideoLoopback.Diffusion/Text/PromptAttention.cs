using System.Text.RegularExpressions;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// WebUI's attention syntax (prompt_parser.parse_prompt_attention): "(a)" multiplies a's weight by 1.1,
/// "[a]" divides it by 1.1, "(a:1.3)" multiplies it by 1.3, "\(" "\)" "\[" "\]" "\\" are literals, and
/// BREAK (a whole word) splits the text into a separate marker. Brackets left open apply to the end of the
/// prompt; closing brackets without an opening one are plain text. Weights are products in double
/// precision, in WebUI's order, and adjacent runs of equal weight are merged.
/// </summary>
public static partial class PromptAttention
{
    private const double RoundMultiplier = 1.1;
    private const double SquareMultiplier = 1 / 1.1;

    [GeneratedRegex(@"\\\(|\\\)|\\\[|\\\]|\\\\|\\|\(|\[|:\s*([+-]?[.\d]+)\s*\)|\)|\]|[^\\()\[\]:]+|:")]
    private static partial Regex AttentionToken();

    [GeneratedRegex(@"\s*\bBREAK\b\s*", RegexOptions.Singleline)]
    private static partial Regex BreakWord();

    public static List<WeightedText> Parse(string text)
    {
        var runs = new List<(string Text, double Weight)>();
        var roundOpen = new Stack<int>();
        var squareOpen = new Stack<int>();

        void MultiplyFrom(int start, double multiplier)
        {
            for (int p = start; p < runs.Count; p++) runs[p] = (runs[p].Text, runs[p].Weight * multiplier);
        }

        foreach (Match m in AttentionToken().Matches(text))
        {
            string token = m.Value;
            var weight = m.Groups[1];
            if (token.StartsWith('\\')) runs.Add((token[1..], 1.0));
            else if (token == "(") roundOpen.Push(runs.Count);
            else if (token == "[") squareOpen.Push(runs.Count);
            else if (weight.Success && roundOpen.Count > 0) MultiplyFrom(roundOpen.Pop(), ParseWeight(weight.Value, text));
            else if (token == ")" && roundOpen.Count > 0) MultiplyFrom(roundOpen.Pop(), RoundMultiplier);
            else if (token == "]" && squareOpen.Count > 0) MultiplyFrom(squareOpen.Pop(), SquareMultiplier);
            else
            {
                var parts = BreakWord().Split(token);
                for (int i = 0; i < parts.Length; i++)
                {
                    if (i > 0) runs.Add(("BREAK", -1));
                    runs.Add((parts[i], 1.0));
                }
            }
        }

        // Unclosed brackets apply to the end; WebUI walks them oldest first.
        foreach (int start in roundOpen.Reverse()) MultiplyFrom(start, RoundMultiplier);
        foreach (int start in squareOpen.Reverse()) MultiplyFrom(start, SquareMultiplier);

        if (runs.Count == 0) runs.Add(("", 1.0));

        var merged = new List<WeightedText>(runs.Count);
        foreach (var (runText, runWeight) in runs)
        {
            if (merged.Count > 0 && merged[^1].Weight == runWeight)
                merged[^1] = merged[^1] with { Text = merged[^1].Text + runText };
            else merged.Add(new WeightedText(runText, runWeight));
        }
        return merged;
    }

    private static double ParseWeight(string value, string prompt) =>
        PythonFloat.TryParse(value, out double weight)
            ? weight
            : throw new PromptSyntaxException($"prompt \"{prompt}\": attention weight '{value}' is not a number");
}
