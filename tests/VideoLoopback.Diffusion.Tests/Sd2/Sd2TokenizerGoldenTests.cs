using System.Text.Json;
using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Diffusion.Tests.Sd2;

/// <summary>tokenizer_cases.json: OpenCLIP's tokenizer ids, and WebUI's 77-token chunk with 0 after the first end token.</summary>
[Trait("Category", "Golden")]
[Trait("Area", "sd2")]
public class Sd2TokenizerGoldenTests
{
    public static TheoryData<int> Cases()
    {
        using var json = Sd2Golden.Json("tokenizer_cases.json");
        var data = new TheoryData<int>();
        for (int i = 0; i < json.RootElement.GetProperty("cases").GetArrayLength(); i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OpenClipTokenizerAndWebUiLayoutMatch(int index)
    {
        using var json = Sd2Golden.Json("tokenizer_cases.json");
        var c = json.RootElement.GetProperty("cases")[index];
        string prompt = c.GetProperty("prompt").GetString()!;
        var ids = c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.True(ids.SequenceEqual(ClipTokenizer.OpenClip.Encode(prompt)),
            $"'{prompt}': ids [{string.Join(",", ClipTokenizer.OpenClip.Encode(prompt))}], expected [{string.Join(",", ids)}]");

        // The chunker parses attention syntax, which the reference layout did not: compare prompts without it.
        if (prompt.IndexOfAny(['(', ')', '[', ']', ':']) >= 0) return;
        var expected = c.GetProperty("webui_tokens").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var chunks = new PromptChunker(ClipTokenizer.OpenClip).TokenizeLine(prompt).Chunks;
        Assert.Single(chunks);
        var layout = PromptConditioner.PaddedIds(chunks[0].Tokens, 0);
        Assert.True(expected.SequenceEqual(layout), $"'{prompt}': [{string.Join(",", layout)}], expected [{string.Join(",", expected)}]");
    }
}
