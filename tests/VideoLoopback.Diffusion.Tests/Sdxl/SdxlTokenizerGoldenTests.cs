using System.Text.Json;
using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>
/// tokenizer_cases.json: each SDXL tower's own tokenization (CLIP-L: the Hugging Face CLIP tokenizer; bigG: OpenCLIP's) and
/// WebUI's 77-token chunks of each (CLIP-L padded with the end token, bigG with 0 after the first end token), as WebUI's
/// wrappers handed them to the towers (emphasis off, so attention syntax is plain text).
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sdxl")]
public class SdxlTokenizerGoldenTests
{
    public static TheoryData<int> Cases()
    {
        using var json = SdxlGolden.Json("tokenizer_cases.json");
        var data = new TheoryData<int>();
        for (int i = 0; i < json.RootElement.GetProperty("cases").GetArrayLength(); i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EachTowerTokenizesAndChunksAsWebUi(int index)
    {
        using var json = SdxlGolden.Json("tokenizer_cases.json");
        var root = json.RootElement;
        var c = root.GetProperty("cases")[index];
        string prompt = c.GetProperty("prompt").GetString()!;
        foreach (var (tower, tokenizer, pad) in new[]
                 {
                     ("clip_l", ClipTokenizer.Default, root.GetProperty("clip_l_pad").GetInt32()),
                     ("bigg", ClipTokenizer.OpenClip, root.GetProperty("bigg_pad").GetInt32()),
                 })
        {
            var ids = c.GetProperty(tower + "_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var actual = tokenizer.Encode(prompt);
            Assert.True(ids.SequenceEqual(actual), $"case {index} '{prompt}' {tower}: ids [{string.Join(",", actual)}], expected [{string.Join(",", ids)}]");

            var expected = c.GetProperty(tower + "_webui_chunks").EnumerateArray()
                .Select(chunk => chunk.EnumerateArray().Select(e => e.GetInt64()).ToArray()).ToList();
            var chunks = new PromptChunker(tokenizer, emphasis: EmphasisMode.None).TokenizeLine(prompt).Chunks;
            Assert.True(expected.Count == chunks.Count, $"case {index} '{prompt}' {tower}: {chunks.Count} chunks, expected {expected.Count}");
            for (int i = 0; i < chunks.Count; i++)
            {
                var layout = PromptConditioner.PaddedIds(chunks[i].Tokens, pad);
                Assert.True(expected[i].SequenceEqual(layout),
                    $"case {index} '{prompt}' {tower} chunk {i}:\n got      [{string.Join(",", layout)}]\n expected [{string.Join(",", expected[i])}]");
            }
        }
    }
}
