using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Tests.Safetensors;
using VideoLoopback.Diffusion.Text;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>Embedding files of the wrong kind for SDXL fail when a prompt names them, with one message naming the file.</summary>
public class SdxlTextualInversionFileTests
{
    private static readonly IReadOnlyList<TextualInversionPart> Parts = TextualInversionPart.StableDiffusionXL(8, 16);

    private static void Write(string path, params (string Key, long[] Shape)[] tensors) =>
        SafetensorsWriter.Write(path, tensors.Select(t => new KeyValuePair<string, Tensor>(t.Key, ones(t.Shape))));

    private static InvalidDataException FailsWhenUsed(TempFolder folder, string prompt)
    {
        using var library = new TextualInversionLibrary(folder.Root, ClipTokenizer.Default, Parts);
        var chunker = new PromptChunker(ClipTokenizer.OpenClip, embeddings: library);
        return Assert.Throws<InvalidDataException>(() => chunker.TokenizeLine(prompt));
    }

    [Fact]
    public void OneEncoderEmbeddingsAreRefusedNamingTheFile()
    {
        using var folder = new TempFolder();
        Write(folder.PathOf("sd1.safetensors"), ("emb_params", [2, 8]));
        Write(folder.PathOf("webui.safetensors"), ("string_to_param.*", [1, 8]));
        foreach (var name in new[] { "sd1", "webui" })
        {
            var e = FailsWhenUsed(folder, $"a {name} cat");
            Assert.Contains(folder.PathOf(name + ".safetensors"), e.Message);
            Assert.Contains("clip_l [n,8] and clip_g [n,16]", e.Message);
            Assert.Contains("SDXL", e.Message);
        }
    }

    [Fact]
    public void WrongWidthOrCountNamesThePart()
    {
        using var folder = new TempFolder();
        Write(folder.PathOf("narrow.safetensors"), ("clip_l", [1, 8]), ("clip_g", [1, 8]));
        Write(folder.PathOf("flat.safetensors"), ("clip_l", [8]), ("clip_g", [1, 16]));
        Write(folder.PathOf("long.safetensors"), ("clip_l", [1, 8]), ("clip_g", [76, 16]));
        var narrow = FailsWhenUsed(folder, "narrow");
        Assert.Contains("'clip_g' vectors are [1,8]", narrow.Message);
        Assert.Contains("[n,16]", narrow.Message);
        Assert.Contains("'clip_l' vectors are [8]", FailsWhenUsed(folder, "flat").Message);
        Assert.Contains("76 'clip_g' vectors do not fit", FailsWhenUsed(folder, "long").Message);
    }

    [Fact]
    public void EachTowerGetsItsOwnVectorsAndPositionsComeFromClipG()
    {
        using var folder = new TempFolder();
        SafetensorsWriter.Write(folder.PathOf("pair.safetensors"),
            [new("clip_l", full(1, 8, 1f)), new("clip_g", full(3, 16, 2f))]);
        using var library = new TextualInversionLibrary(folder.Root, ClipTokenizer.Default, Parts);
        var embedding = Assert.Single(library.Embeddings);
        Assert.Equal(3, embedding.VectorCount);
        Assert.Equal([1, 8], embedding.VectorsFor(TextualInversionPart.ClipLKey).shape);
        Assert.Equal(2f, embedding.VectorsFor(TextualInversionPart.ClipGKey)[2, 15].item<float>());
        Assert.Throws<ArgumentException>(() => embedding.VectorsFor(null));
        foreach (var tokenizer in new[] { ClipTokenizer.Default, ClipTokenizer.OpenClip })
        {
            var chunk = Assert.Single(new PromptChunker(tokenizer, embeddings: library).TokenizeLine("a pair cat").Chunks);
            Assert.Equal(new[] { 0, 0, 0 }, chunk.Tokens[2..5]);
            Assert.Equal(2, Assert.Single(chunk.Fixes).Position);
        }
    }
}
