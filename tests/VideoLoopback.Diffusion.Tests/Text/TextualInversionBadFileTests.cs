using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Tests.Safetensors;
using VideoLoopback.Diffusion.Text;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Text;

/// <summary>Embedding files that cannot be used fail when a prompt names them, with one message naming the file.</summary>
public class TextualInversionBadFileTests
{
    private static void Write(string path, params (string Key, long[] Shape)[] tensors) =>
        SafetensorsWriter.Write(path, tensors.Select(t => new KeyValuePair<string, Tensor>(t.Key, zeros(t.Shape))));

    private static InvalidDataException FailsWhenUsed(TempFolder folder, string prompt)
    {
        using var library = new TextualInversionLibrary(folder.Root, ClipTokenizer.Default, 8);
        var chunker = new PromptChunker(ClipTokenizer.Default, embeddings: library);
        return Assert.Throws<InvalidDataException>(() => chunker.TokenizeLine(prompt));
    }

    [Fact]
    public void WrongWidthNamesTheFileAndTheWidths()
    {
        using var folder = new TempFolder();
        Write(folder.PathOf("wide.safetensors"), ("emb_params", [2, 16]));
        var e = FailsWhenUsed(folder, "a wide cat");
        Assert.Contains(folder.PathOf("wide.safetensors"), e.Message);
        Assert.Contains("[2,16]", e.Message);
        Assert.Contains("[n,8]", e.Message);
    }

    [Fact]
    public void FileThatIsNotATensorFileNamesTheFile()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.PathOf("broken.pt"), "not a pickle");
        var e = FailsWhenUsed(folder, "broken");
        Assert.Contains(folder.PathOf("broken.pt"), e.Message);
    }

    [Fact]
    public void SeveralTensorsAndSdxlPairsAreRefused()
    {
        using var folder = new TempFolder();
        Write(folder.PathOf("two.safetensors"), ("a", [1, 8]), ("b", [1, 8]));
        Write(folder.PathOf("xl.safetensors"), ("clip_l", [1, 8]), ("clip_g", [1, 16]));
        Assert.Contains("holds 2 tensors", FailsWhenUsed(folder, "two").Message);
        Assert.Contains("SDXL", FailsWhenUsed(folder, "xl").Message);
    }

    [Fact]
    public void UnusedBadFilesAndMissingFoldersCostNothing()
    {
        using var folder = new TempFolder();
        Write(folder.PathOf("wide.safetensors"), ("emb_params", [2, 16]));
        using var library = new TextualInversionLibrary(folder.Root, ClipTokenizer.Default, 8);
        var (chunks, count) = new PromptChunker(ClipTokenizer.Default, embeddings: library).TokenizeLine("a cat");
        Assert.Equal(2, count);
        Assert.Empty(chunks[0].Fixes);
        using var none = new TextualInversionLibrary(folder.PathOf("missing"), ClipTokenizer.Default, 8);
        Assert.Empty(none.Embeddings);
    }

    [Fact]
    public void BadFilesNamedInTextsFailWhenReadUpFront()
    {
        using var folder = new TempFolder();
        Write(folder.PathOf("wide.safetensors"), ("emb_params", [2, 16]));
        using var library = new TextualInversionLibrary(folder.Root, ClipTokenizer.Default, 8);
        library.ReadUsedBy(["a cat", "'a dog' if frame < 3 else 'a cow'"]);
        var e = Assert.Throws<InvalidDataException>(() => library.ReadUsedBy(["'(wide:1.2) cat' if frame < 3 else 'dog'"]));
        Assert.Contains("wide.safetensors", e.Message);
    }
}
