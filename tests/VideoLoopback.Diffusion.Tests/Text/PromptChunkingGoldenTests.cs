using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Text;

/// <summary>75-token chunking (sampling/prompts.json "chunking") and 'Original' emphasis (prompts_emphasis.safetensors).</summary>
public class PromptChunkingGoldenTests
{
    private const double EmphasisTolerance = 1e-6;

    public static TheoryData<int, string> ChunkingCases() => PromptGolden.Cases("chunking");

    public static TheoryData<int, string> EmphasisCases()
    {
        var data = new TheoryData<int, string>();
        int index = 0;
        foreach (var c in PromptGolden.Section("chunking").EnumerateArray())
        {
            if (c.TryGetProperty("emphasis_tensor_index", out var e))
                data.Add(index, $"emphasis/{e.GetInt32()}");
            index++;
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ChunkingCases))]
    [Trait("Category", "Golden")]
    [Trait("Area", "sampling")]
    public void ChunksMatch(int index, string label)
    {
        var c = PromptGolden.Section("chunking")[index];
        string prompt = c.GetProperty("prompt").GetString()!;
        var chunker = new PromptChunker(ClipTokenizer.Default, c.GetProperty("comma_padding_backtrack").GetInt32());

        var fragments = chunker.Parse(prompt).Select(r => ClipTokenizer.Default.Encode(r.Text)).ToList();
        var expectedFragments = c.GetProperty("raw_token_ids_per_parsed_fragment").EnumerateArray()
            .Select(f => f.EnumerateArray().Select(x => x.GetInt32()).ToArray()).ToList();
        Assert.Equal(expectedFragments.Count, fragments.Count);
        for (int i = 0; i < fragments.Count; i++)
            Assert.True(expectedFragments[i].SequenceEqual(fragments[i]),
                $"case {index} '{label}': fragment {i} ids expected {string.Join(" ", expectedFragments[i])} got {string.Join(" ", fragments[i])}");

        var (chunks, tokenCount) = chunker.TokenizeLine(prompt);
        Assert.True(c.GetProperty("token_count").GetInt32() == tokenCount,
            $"case {index} '{label}': token count expected {c.GetProperty("token_count").GetInt32()} got {tokenCount}");
        var expectedChunks = c.GetProperty("chunks").EnumerateArray().ToList();
        Assert.True(expectedChunks.Count == chunks.Count, $"case {index} '{label}': {chunks.Count} chunks, expected {expectedChunks.Count}");
        for (int i = 0; i < chunks.Count; i++)
        {
            var tokens = expectedChunks[i].GetProperty("tokens").EnumerateArray().Select(x => x.GetInt32()).ToArray();
            var multipliers = expectedChunks[i].GetProperty("multipliers").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            Assert.True(tokens.SequenceEqual(chunks[i].Tokens),
                $"case {index} '{label}': chunk {i} tokens\n expected {string.Join(" ", tokens)}\n got      {string.Join(" ", chunks[i].Tokens)}");
            for (int t = 0; t < multipliers.Length; t++)
                Assert.True(PromptGolden.WeightsEqual(multipliers[t], chunks[i].Multipliers[t]),
                    $"case {index} '{label}': chunk {i} multiplier {t} expected {multipliers[t]:R} got {chunks[i].Multipliers[t]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(EmphasisCases))]
    [Trait("Category", "Golden")]
    [Trait("Area", "sampling")]
    public void OriginalEmphasisMatches(int index, string label)
    {
        var c = PromptGolden.Section("chunking")[index];
        int tensorIndex = c.GetProperty("emphasis_tensor_index").GetInt32();
        string prompt = c.GetProperty("prompt").GetString()!;
        using var golden = SafetensorsFile.Open(GoldenData.Path("sampling", "prompts_emphasis.safetensors"));
        using var scope = NewDisposeScope();
        var z = golden.Load($"emphasis/{tensorIndex}/z");
        var expectedTokens = golden.Load($"emphasis/{tensorIndex}/tokens");
        var expectedMultipliers = golden.Load($"emphasis/{tensorIndex}/multipliers");
        var expected = golden.Load($"emphasis/{tensorIndex}/out");

        // The first chunk of the prompt, as the conditioner builds it.
        var chunk = new PromptChunker(ClipTokenizer.Default, c.GetProperty("comma_padding_backtrack").GetInt32()).TokenizeLine(prompt).Chunks[0];
        var tokens = tensor(chunk.Tokens.Select(t => (long)t).ToArray(), [1, PromptChunk.PaddedLength]);
        var multipliers = tensor(chunk.Multipliers.Select(m => (float)m).ToArray(), [1, PromptChunk.PaddedLength]);
        Assert.True(tokens.eq(expectedTokens).all().item<bool>(), $"{label}: first-chunk tokens differ");
        Assert.True(multipliers.eq(expectedMultipliers).all().item<bool>(), $"{label}: first-chunk multipliers differ");

        var output = PromptEmphasis.Apply(z, multipliers, EmphasisMode.Original);
        double maxAbs = (output - expected).abs().max().item<float>();
        Assert.True(maxAbs <= EmphasisTolerance, $"{label} '{prompt}': max abs diff {maxAbs:G3} > {EmphasisTolerance:G3}");
    }
}
