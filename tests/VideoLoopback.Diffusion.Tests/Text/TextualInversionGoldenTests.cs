using System.Text.Json;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Diffusion.Tests.Lora;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Text;

/// <summary>
/// Textual-inversion embeddings against WebUI's prompt path (adapters/embeddings): the names and vectors read from the
/// folder, each prompt's chunks (tokens, multipliers, embedding positions) and token count, and the final conditioning.
/// </summary>
public class TextualInversionGoldenTests
{
    private const double ConditioningTolerance = 1e-4;
    private const double VectorTolerance = 0;

    private static string Folder => GoldenData.Path("adapters", "embeddings");

    private static JsonElement Golden()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "embeddings.json")));
        return document.RootElement.Clone();
    }

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Golden().GetProperty("cases").EnumerateObject()) data.Add(c.Name);
        return data;
    }

    private static TextualInversionLibrary Library() =>
        new(Path.Combine(Folder, Golden().GetProperty("embeddings_dir").GetString()!), ClipTokenizer.Default, 8);

    [Fact]
    [Trait("Category", "Golden")]
    [Trait("Area", "adapters")]
    public void NamesAndVectorsMatch()
    {
        using var library = Library();
        using var golden = SafetensorsFile.Open(Path.Combine(Folder, "embeddings_cond.safetensors"));
        var names = Golden().GetProperty("names");
        Assert.Equal(names.EnumerateObject().Select(n => n.Name).Order(StringComparer.Ordinal), library.Embeddings.Select(e => e.Name));
        foreach (var embedding in library.Embeddings)
        {
            var expected = names.GetProperty(embedding.Name);
            Assert.Equal(expected.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()), embedding.TokenIds);
            Assert.Equal(expected.GetProperty("vectors").GetInt32(), embedding.VectorCount);
            using var vectors = golden.Load("vectors." + embedding.Name, ScalarType.Float32);
            double diff = AdapterGolden.MaxAbs(embedding.Vectors, vectors);
            Assert.True(diff <= VectorTolerance, $"{embedding.Name}: vectors differ by {diff:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    [Trait("Category", "Golden")]
    [Trait("Area", "adapters")]
    public void ChunksMatch(string name)
    {
        var c = Golden().GetProperty("cases").GetProperty(name);
        using var library = Library();
        var chunker = new PromptChunker(ClipTokenizer.Default, Golden().GetProperty("comma_padding_backtrack").GetInt32(), embeddings: library);
        var (chunks, tokenCount) = chunker.TokenizeLine(c.GetProperty("prompt").GetString()!);

        Assert.True(c.GetProperty("token_count").GetInt32() == tokenCount, $"{name}: token count {tokenCount}, expected {c.GetProperty("token_count")}");
        var expected = c.GetProperty("chunks").EnumerateArray().ToList();
        Assert.True(expected.Count == chunks.Count, $"{name}: {chunks.Count} chunks, expected {expected.Count}");
        for (int i = 0; i < chunks.Count; i++)
        {
            var tokens = expected[i].GetProperty("tokens").EnumerateArray().Select(x => x.GetInt32()).ToArray();
            Assert.True(tokens.SequenceEqual(chunks[i].Tokens),
                $"{name}: chunk {i} tokens\n expected {string.Join(" ", tokens)}\n got      {string.Join(" ", chunks[i].Tokens)}");
            var multipliers = expected[i].GetProperty("multipliers").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            Assert.True(multipliers.SequenceEqual(chunks[i].Multipliers), $"{name}: chunk {i} multipliers differ");
            // WebUI's fix offsets count from the first prompt token; ours count the start token.
            var fixes = expected[i].GetProperty("fixes").EnumerateArray()
                .Select(f => $"{f.GetProperty("offset").GetInt32() + 1}:{f.GetProperty("name").GetString()}").ToList();
            var got = chunks[i].Fixes.Select(f => $"{f.Position}:{f.Embedding.Name}").ToList();
            Assert.True(fixes.SequenceEqual(got), $"{name}: chunk {i} embeddings expected [{string.Join(", ", fixes)}] got [{string.Join(", ", got)}]");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    [Trait("Category", "Golden")]
    [Trait("Area", "adapters")]
    public void ConditioningMatches(string name)
    {
        var c = Golden().GetProperty("cases").GetProperty(name);
        AssertConditioning(name, [c.GetProperty("prompt").GetString()!]);
    }

    [Fact]
    [Trait("Category", "Golden")]
    [Trait("Area", "adapters")]
    public void BatchConditioningMatches() =>
        AssertConditioning("batch", Golden().GetProperty("batch").EnumerateArray().Select(p => p.GetString()!).ToList());

    private static void AssertConditioning(string name, IReadOnlyList<string> prompts)
    {
        using var golden = SafetensorsFile.Open(Path.Combine(Folder, "embeddings_cond.safetensors"));
        using var model = AdapterGolden.LoadTextEncoder(AdapterGolden.ModelOf(golden));
        using var library = Library();
        using var conditioner = new PromptConditioner(model, embeddings: library);
        using var scope = NewDisposeScope();
        var actual = conditioner.EncodeTexts(prompts);
        var expected = golden.Load(name + ".cond", ScalarType.Float32);
        double diff = AdapterGolden.MaxAbs(actual, expected);
        Assert.True(diff <= ConditioningTolerance, $"{name}: conditioning differs by {diff:E2} (tolerance {ConditioningTolerance:E0})");
    }
}
