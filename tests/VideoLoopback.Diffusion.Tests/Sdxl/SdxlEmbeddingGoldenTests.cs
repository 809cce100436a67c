using System.Text.Json;
using VideoLoopback.Diffusion.Text;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>
/// embeddings.json / embeddings.safetensors (README-embeddings.md): SDXL textual-inversion files (clip_l and clip_g vectors)
/// read from the folder, found by their CLIP-L token ids, and the conditioning WebUI's SDXL path gives prompts naming them
/// (each tower taking its own vectors, positions counted from clip_g, Original emphasis per tower, pooled untouched).
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sdxl")]
public class SdxlEmbeddingGoldenTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static JsonElement Golden()
    {
        using var json = SdxlGolden.Json("embeddings.json");
        return json.RootElement.Clone();
    }

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Golden().GetProperty("cases").EnumerateObject()) data.Add(c.Name);
        return data;
    }

    private static TextualInversionLibrary Library(ClipTextModel clipL, ClipTextModel bigG) =>
        new(SdxlGolden.PathOf(Golden().GetProperty("embeddings_dir").GetString()!), SdxlTextEncoders.EmbeddingNameTokenizer,
            SdxlTextEncoders.EmbeddingParts(clipL, bigG));

    [Fact]
    public void NamesAndVectorsMatch()
    {
        var (clipL, bigG) = SdxlGolden.LoadTowers(Golden().GetProperty("model").GetString()!);
        using (clipL)
        using (bigG)
        using (var library = Library(clipL, bigG))
        using (var golden = SdxlGolden.Open("embeddings.safetensors"))
        {
            var names = Golden().GetProperty("names");
            Assert.Equal(names.EnumerateObject().Select(n => n.Name).Order(StringComparer.Ordinal), library.Embeddings.Select(e => e.Name));
            foreach (var embedding in library.Embeddings)
            {
                var expected = names.GetProperty(embedding.Name);
                Assert.Equal(expected.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()), embedding.TokenIds);
                Assert.Equal(expected.GetProperty("vectors").GetInt32(), embedding.VectorCount);
                foreach (var key in new[] { TextualInversionPart.ClipLKey, TextualInversionPart.ClipGKey })
                {
                    using var vectors = golden.Load($"vectors.{embedding.Name}.{key}");
                    SdxlGolden.AssertClose($"{embedding.Name} {key} vectors", vectors, embedding.VectorsFor(key), tolerance: 0);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ConditioningMatches(string name)
    {
        var golden = Golden();
        var texts = golden.GetProperty("cases").GetProperty(name).EnumerateArray().Select(t => t.GetString()!).ToList();
        using var scope = NewDisposeScope();
        using var expected = SdxlGolden.Open("embeddings.safetensors");
        var (clipL, bigG) = SdxlGolden.LoadTowers(golden.GetProperty("model").GetString()!);
        using (clipL)
        using (bigG)
        using (var library = Library(clipL, bigG))
        using (var conditioner = SdxlTextEncoders.Conditioner(clipL, bigG, library, commaPaddingBacktrack: golden.GetProperty("comma_padding_backtrack").GetInt32()))
        {
            var (cond, pooled) = conditioner.EncodeTextsWithPooled(texts);
            double e1 = SdxlGolden.AssertClose($"{name} crossattn", expected.Load(name + ".crossattn"), cond);
            double e2 = SdxlGolden.AssertClose($"{name} pooled", expected.Load(name + ".pooled"), pooled!);
            output.WriteLine($"{name}: crossattn {e1:E2}, pooled {e2:E2}");
        }
    }
}
