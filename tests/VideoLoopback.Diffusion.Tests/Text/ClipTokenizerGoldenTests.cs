using System.Text.Json;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Tests.Shared;

namespace VideoLoopback.Diffusion.Tests.Text;

/// <summary>Token ids against HF's slow CLIPTokenizer with ftfy (sd15/clip/tokenizer_cases.json).</summary>
public class ClipTokenizerGoldenTests
{
    private static JsonElement Cases(string section)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(GoldenData.Path("sd15", "clip", "tokenizer_cases.json")));
        return document.RootElement.GetProperty(section).Clone();
    }

    public static TheoryData<int, string> UnpaddedCases()
    {
        var data = new TheoryData<int, string>();
        int index = 0;
        foreach (var c in Cases("cases").EnumerateArray()) data.Add(index++, Preview(c.GetProperty("prompt").GetString()!));
        return data;
    }

    public static TheoryData<int, string> PaddedCases()
    {
        var data = new TheoryData<int, string>();
        int index = 0;
        foreach (var c in Cases("padded_cases").EnumerateArray()) data.Add(index++, Preview(c.GetProperty("prompt").GetString()!));
        return data;
    }

    // The prompt is shown in the test name only; the index selects the case.
    private static string Preview(string prompt) => prompt.Length > 40 ? prompt[..40] + "…" : prompt;

    [Theory]
    [MemberData(nameof(UnpaddedCases))]
    [Trait("Category", "Golden")]
    [Trait("Area", "sd15")]
    public void IdsAndTokensMatch(int index, string preview)
    {
        var c = Cases("cases")[index];
        string prompt = c.GetProperty("prompt").GetString()!;
        int[] expectedIds = c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        string[] expectedTokens = c.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()!).ToArray();

        var tokenizer = ClipTokenizer.Default;
        string[] tokens = tokenizer.Tokenize(prompt).ToArray();
        int[] ids = tokenizer.Encode(prompt);

        Assert.True(expectedTokens.SequenceEqual(tokens),
            $"case {index} '{preview}': tokens differ\n expected {string.Join(" ", expectedTokens)}\n got      {string.Join(" ", tokens)}");
        Assert.True(expectedIds.SequenceEqual(ids),
            $"case {index} '{preview}': ids differ\n expected {string.Join(" ", expectedIds)}\n got      {string.Join(" ", ids)}");
    }

    [Theory]
    [MemberData(nameof(PaddedCases))]
    [Trait("Category", "Golden")]
    [Trait("Area", "sd15")]
    public void PaddedIdsMatch(int index, string preview)
    {
        var c = Cases("padded_cases")[index];
        string prompt = c.GetProperty("prompt").GetString()!;
        int[] expected = c.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();

        int[] ids = ClipTokenizer.Default.EncodePadded(prompt, expected.Length);

        Assert.True(expected.SequenceEqual(ids),
            $"padded case {index} '{preview}': ids differ\n expected {string.Join(" ", expected)}\n got      {string.Join(" ", ids)}");
    }

    [Fact]
    public void VocabularyHasClipLayout()
    {
        var tokenizer = ClipTokenizer.Default;
        Assert.Equal(49408, tokenizer.VocabularySize);
        Assert.Equal(267, tokenizer.TokenId(",</w>"));
        Assert.Equal(ClipTokenizer.BosId, tokenizer.TokenId(ClipTokenizer.StartOfText));
        Assert.Equal(ClipTokenizer.EosId, tokenizer.TokenId(ClipTokenizer.EndOfText));
    }
}
