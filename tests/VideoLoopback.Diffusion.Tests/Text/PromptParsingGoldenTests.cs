using System.Text.Json;
using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Diffusion.Tests.Text;

/// <summary>Attention syntax, prompt editing/alternation schedules and AND splitting against WebUI (prompts.json).</summary>
public class PromptParsingGoldenTests
{
    public static TheoryData<int, string> AttentionCases() => PromptGolden.Cases("parse_prompt_attention");
    public static TheoryData<int, string> ScheduleCases() => PromptGolden.Cases("prompt_schedules");
    public static TheoryData<int, string> MultiCondCases() => PromptGolden.Cases("multicond_prompt_list");

    [Theory]
    [MemberData(nameof(AttentionCases))]
    [Trait("Category", "Golden")]
    [Trait("Area", "sampling")]
    public void AttentionMatches(int index, string label)
    {
        var c = PromptGolden.Section("parse_prompt_attention")[index];
        string prompt = c.GetProperty("prompt").GetString()!;

        if (c.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
        {
            var ex = Assert.Throws<PromptSyntaxException>(() => PromptAttention.Parse(prompt));
            Assert.Contains(prompt, ex.Message);
            return;
        }

        var expected = c.GetProperty("result").EnumerateArray()
            .Select(r => (Text: r[0].GetString()!, Weight: r[1].GetDouble())).ToList();
        var actual = PromptAttention.Parse(prompt);

        string Show(IEnumerable<(string Text, double Weight)> runs) => string.Join(" ", runs.Select(r => $"['{r.Text}', {r.Weight:R}]"));
        string message = $"case {index} '{label}':\n expected {Show(expected)}\n got      {Show(actual.Select(a => (a.Text, a.Weight)))}";
        Assert.True(expected.Count == actual.Count, message);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Text == actual[i].Text, message);
            Assert.True(PromptGolden.WeightsEqual(expected[i].Weight, actual[i].Weight), message);
        }
    }

    [Theory]
    [MemberData(nameof(ScheduleCases))]
    [Trait("Category", "Golden")]
    [Trait("Area", "sampling")]
    public void ScheduleMatches(int index, string label)
    {
        var c = PromptGolden.Section("prompt_schedules")[index];
        string prompt = c.GetProperty("prompt").GetString()!;
        int steps = c.GetProperty("steps").GetInt32();
        int? hires = c.GetProperty("hires_steps").ValueKind == JsonValueKind.Null ? null : c.GetProperty("hires_steps").GetInt32();
        bool old = c.GetProperty("use_old_scheduling").GetBoolean();

        var expected = c.GetProperty("result").EnumerateArray().Select(r => (r[0].GetInt32(), r[1].GetString()!)).ToList();
        var actual = PromptScheduler.GetSchedule(prompt, steps, hires, old);

        Assert.True(expected.SequenceEqual(actual),
            $"case {index} '{label}':\n expected {string.Join(" ", expected)}\n got      {string.Join(" ", actual)}");
    }

    [Theory]
    [MemberData(nameof(MultiCondCases))]
    [Trait("Category", "Golden")]
    [Trait("Area", "sampling")]
    public void MultiCondMatches(int index, string label)
    {
        var c = PromptGolden.Section("multicond_prompt_list")[index];
        string prompt = c.GetProperty("prompt").GetString()!;
        var expectedTexts = c.GetProperty("subprompts_in_order").EnumerateArray().Select(e => e.GetString()!).ToList();
        var expectedParts = c.GetProperty("result").EnumerateArray()
            .Select(p => p.EnumerateArray().Select(x => (x[0].GetInt32(), x[1].GetDouble())).ToList()).ToList();

        var actual = MultiCondPrompts.Parse([prompt]);

        Assert.True(expectedTexts.SequenceEqual(actual.Texts),
            $"case {index} '{label}': texts expected [{string.Join("|", expectedTexts)}] got [{string.Join("|", actual.Texts)}]");
        Assert.Equal(expectedParts.Count, actual.Parts.Count);
        for (int i = 0; i < expectedParts.Count; i++)
            Assert.True(expectedParts[i].SequenceEqual(actual.Parts[i]),
                $"case {index} '{label}': parts expected {string.Join(" ", expectedParts[i])} got {string.Join(" ", actual.Parts[i])}");
    }

    // WebUI's own examples (prompt_parser.py docstring) for forms the golden set does not cover.
    [Theory]
    [InlineData("a [b: 3]", "3:a |10:a b")]
    [InlineData("a [[[b]]:2]", "2:a |10:a [[b]]")]
    [InlineData("[(a:2):3]", "3:|10:(a:2)")]
    [InlineData("a [b : c : 1] d", "1:a b  d|10:a  c  d")]
    [InlineData("a[b:[c:d:2]:1]e", "1:abe|2:ace|10:ade")]
    [InlineData("a [unbalanced", "10:a [unbalanced")]
    [InlineData("a [b:.5] c", "5:a  c|10:a b c")]
    [InlineData("((a][:b:c [d:3]", "3:((a][:b:c |10:((a][:b:c d")]
    [InlineData("[fe|]male", "1:female|2:male|3:female|4:male|5:female|6:male|7:female|8:male|9:female|10:male")]
    [InlineData("[fe|||]male", "1:female|2:male|3:male|4:male|5:female|6:male|7:male|8:male|9:female|10:male")]
    [InlineData("a | b [c:d:2]", "10:a | b [c:d:2]")]
    public void WebUiDocumentedSchedules(string prompt, string expected)
    {
        var actual = string.Join("|", PromptScheduler.GetSchedule(prompt, 10).Select(s => $"{s.EndAtStep}:{s.Text}"));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void AbsurdNestingFallsBackToTheVerbatimPrompt()
    {
        string prompt = new string('[', 5000) + "a:b:3" + new string(']', 5000);
        Assert.Equal([(10, prompt)], PromptScheduler.GetSchedule(prompt, 10));
    }
}
