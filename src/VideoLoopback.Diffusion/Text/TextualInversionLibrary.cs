namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// The textual-inversion embeddings of a folder (searched recursively: <c>.pt</c>, <c>.bin</c>, <c>.safetensors</c>, empty
/// files skipped), found in prompts by name the way WebUI's EmbeddingDatabase finds them: by the name's token ids, at any
/// position of a run's tokens, the longest name first where several start with the same token. Only the names are read up
/// front; a file's vectors are read when a prompt first uses it. Where two files share a name, the first path in ordinal
/// order is used. A folder that does not exist holds no embeddings.
/// </summary>
public sealed class TextualInversionLibrary : IDisposable
{
    private static readonly string[] Extensions = [".pt", ".bin", ".safetensors"];
    private readonly Dictionary<int, List<TextualInversionEmbedding>> _byFirstToken = new();
    private readonly ClipTokenizer _tokenizer;

    /// <param name="folder">The folder to search.</param>
    /// <param name="tokenizer">The tokenizer prompts are split with.</param>
    /// <param name="width">The text encoder's token-embedding width (768 for SD1.x); an embedding of another width is refused when used.</param>
    public TextualInversionLibrary(string folder, ClipTokenizer tokenizer, int width)
        : this(folder, tokenizer, TextualInversionPart.Single(width))
    {
    }

    /// <param name="folder">The folder to search.</param>
    /// <param name="tokenizer">
    /// The tokenizer names are looked up with: WebUI tokenizes them with the model's first text encoder's (SDXL: CLIP-L's,
    /// though its second tower's prompts are split with OpenCLIP's).
    /// </param>
    /// <param name="parts">What each text tower takes from a file (<see cref="TextualInversionPart.StableDiffusionXL"/>); a file of another kind or width is refused when used.</param>
    public TextualInversionLibrary(string folder, ClipTokenizer tokenizer, IReadOnlyList<TextualInversionPart> parts)
    {
        Folder = folder;
        Parts = parts;
        _tokenizer = tokenizer;
        var byName = new Dictionary<string, TextualInversionEmbedding>(StringComparer.Ordinal);
        if (Directory.Exists(folder))
            foreach (var path in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                string name = Path.GetFileNameWithoutExtension(path);
                if (!Extensions.Contains(Path.GetExtension(path).ToLowerInvariant()) || byName.ContainsKey(name) || new FileInfo(path).Length == 0) continue;
                var ids = tokenizer.Encode(name);
                if (ids.Length == 0) continue;
                byName[name] = new TextualInversionEmbedding(name, path, ids, parts);
            }
        foreach (var embedding in byName.Values)
        {
            if (!_byFirstToken.TryGetValue(embedding.TokenIds[0], out var list)) _byFirstToken[embedding.TokenIds[0]] = list = [];
            list.Add(embedding);
        }
        foreach (var list in _byFirstToken.Values) list.Sort((a, b) => b.TokenIds.Length.CompareTo(a.TokenIds.Length));
        Embeddings = byName.Values.OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
    }

    public string Folder { get; }

    /// <summary>What each text tower of the model takes from an embedding file.</summary>
    public IReadOnlyList<TextualInversionPart> Parts { get; }

    /// <summary>Every embedding found, by name.</summary>
    public IReadOnlyList<TextualInversionEmbedding> Embeddings { get; }

    /// <summary>The embedding whose name's tokens start at <paramref name="offset"/> of <paramref name="tokens"/>, or null.</summary>
    public TextualInversionEmbedding? FindAt(IReadOnlyList<int> tokens, int offset)
    {
        if (!_byFirstToken.TryGetValue(tokens[offset], out var candidates)) return null;
        foreach (var candidate in candidates)
        {
            var ids = candidate.TokenIds;
            if (offset + ids.Length > tokens.Count) continue;
            bool match = true;
            for (int i = 1; i < ids.Length && match; i++) match = tokens[offset + i] == ids[i];
            if (match) return candidate;
        }
        return null;
    }

    /// <summary>
    /// Reads now the vectors of every embedding named in <paramref name="texts"/> (whole texts tokenized, so prompt syntax
    /// around a name does not hide it), so a bad file fails before any generation; throws naming the file.
    /// </summary>
    public void ReadUsedBy(IEnumerable<string> texts)
    {
        foreach (var text in texts)
        {
            var tokens = _tokenizer.Encode(text);
            for (int i = 0; i < tokens.Length; i++) _ = FindAt(tokens, i)?.Vectors;
        }
    }

    public void Dispose()
    {
        foreach (var embedding in Embeddings) embedding.Dispose();
    }
}
