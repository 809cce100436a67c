using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Safetensors;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// One textual-inversion embedding file: its name (the file name without extension, as typed in prompts), the token ids of
/// that name, and its vectors (float32 on the CPU), read on first use so a folder of many files costs nothing until a prompt
/// names one. Recognised as WebUI recognises them: a <c>.pt</c>/<c>.bin</c> pickle with <c>string_to_param</c> holding one
/// tensor, SDXL's <c>clip_l</c>/<c>clip_g</c> pair, or a file (pickle or <c>.safetensors</c>) holding a single tensor
/// (diffusers concepts, <c>emb_params</c>). Which of these a model takes is given by its <see cref="Parts"/>: a file of the
/// other kind (an SD1.x embedding with SDXL, an SDXL one with SD1.x) is refused naming the file.
/// </summary>
public sealed class TextualInversionEmbedding(string name, string filePath, int[] tokenIds, IReadOnlyList<TextualInversionPart> parts) : IDisposable
{
    private Tensor[]? _vectors;

    /// <summary>An embedding for a model with one text encoder whose token embeddings are <paramref name="width"/> wide.</summary>
    public TextualInversionEmbedding(string name, string filePath, int[] tokenIds, int width)
        : this(name, filePath, tokenIds, TextualInversionPart.Single(width))
    {
    }

    public string Name { get; } = name;
    public string FilePath { get; } = filePath;

    /// <summary>The ids the tokenizer gives the name; a prompt uses the embedding where these appear in a run's tokens.</summary>
    public int[] TokenIds { get; } = tokenIds;

    /// <summary>What the model's text towers take from the file, one part per tower.</summary>
    public IReadOnlyList<TextualInversionPart> Parts { get; } = parts.Count > 0 ? parts : throw new ArgumentException("no embedding parts", nameof(parts));

    /// <summary>The first part's vectors [n,C] (the only part of a one-encoder model), read on first use; a bad file throws naming it.</summary>
    public Tensor Vectors => All[0];

    /// <summary>The vectors [n,C] of the part keyed <paramref name="key"/> (null: the single tensor of a one-encoder file).</summary>
    public Tensor VectorsFor(string? key)
    {
        for (int i = 0; i < Parts.Count; i++)
            if (Parts[i].Key == key) return All[i];
        throw new ArgumentException($"{FilePath}: the model's embeddings have no part '{key ?? "(single tensor)"}'", nameof(key));
    }

    /// <summary>How many token positions the embedding takes in a chunk: its last part's vectors (SDXL: clip_g, as WebUI).</summary>
    public int VectorCount => (int)All[^1].shape[0];

    private Tensor[] All => _vectors ??= Read(FilePath, Parts);

    /// <summary>Reads the vectors of <paramref name="path"/>, checking they are [n,<paramref name="width"/>] with n at least 1.</summary>
    public static Tensor Read(string path, int width) => Read(path, TextualInversionPart.Single(width))[0];

    /// <summary>
    /// Reads the vectors of every part of <paramref name="path"/>, in the order of <paramref name="parts"/>, each checked to be
    /// [n,width] with n from 1 to one chunk.
    /// </summary>
    public static Tensor[] Read(string path, IReadOnlyList<TextualInversionPart> parts)
    {
        // Everything read is freed with the scope but the returned copies.
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> tensors;
        try
        {
            tensors = ReadFile(path);
        }
        catch (Exception e) when (e is SafetensorsException or IOException or InvalidCastException or InvalidOperationException
                                      or ArgumentException or NotImplementedException)
        {
            throw new InvalidDataException($"{path}: not a readable textual-inversion embedding ({e.Message})", e);
        }
        bool pair = tensors.ContainsKey(TextualInversionPart.ClipLKey) && tensors.ContainsKey(TextualInversionPart.ClipGKey)
                    && !tensors.Keys.Any(k => k.StartsWith(StringToParam, StringComparison.Ordinal));
        bool keyed = parts.Any(p => p.Key is not null);
        if (keyed && !pair)
        {
            string shapes = string.Join(", ", tensors.Select(t => $"{t.Key} [{string.Join(",", t.Value.shape)}]").Take(4));
            throw new InvalidDataException($"{path}: holds {shapes}, but this model's text encoders take " +
                string.Join(" and ", parts.Select(p => $"{p.Key ?? "one tensor"} [n,{p.Width}]")) +
                " (an embedding for a model with one text encoder, such as SD1.x, cannot be used with SDXL)");
        }
        if (!keyed && pair)
            throw new InvalidDataException($"{path}: an SDXL embedding (clip_l and clip_g); it cannot be used with a model of one text encoder such as SD1.x");
        return parts.Select(part => Checked(path, part, part.Key is null ? Single(path, tensors) : tensors[part.Key])
            .to(ScalarType.Float32).contiguous().clone().DetachFromDisposeScope()).ToArray();
    }

    private const string StringToParam = "string_to_param.";

    private static Tensor Checked(string path, TextualInversionPart part, Tensor vectors)
    {
        string what = part.Key is null ? "embedding vectors" : $"'{part.Key}' vectors";
        // Files of one encoder may hold a single vector as a 1-D tensor (WebUI unsqueezes diffusers concepts); SDXL parts are 2-D.
        if (vectors.ndim == 1 && part.Key is null) vectors = vectors.unsqueeze(0);
        if (vectors.ndim == 2 && vectors.shape[1] == part.Width && vectors.shape[0] > PromptChunk.Length)
            throw new InvalidDataException($"{path}: {vectors.shape[0]} {what} do not fit in one {PromptChunk.Length}-token chunk");
        if (vectors.ndim != 2 || vectors.shape[0] == 0 || vectors.shape[1] != part.Width)
            throw new InvalidDataException($"{path}: {what} are [{string.Join(",", vectors.shape)}], but this model's text encoder takes [n,{part.Width}] " +
                "(an embedding for another model family?)");
        return vectors;
    }

    private static Dictionary<string, Tensor> ReadFile(string path)
    {
        using var file = StateDictFile.Open(path);
        var all = file.LoadAll(dtype: ScalarType.Float32);
        if (all.Count == 0) throw new InvalidDataException($"{path}: holds neither string_to_param nor a tensor: not a textual-inversion embedding");
        return new Dictionary<string, Tensor>(all, StringComparer.Ordinal);
    }

    private static Tensor Single(string path, IReadOnlyDictionary<string, Tensor> all)
    {
        // WebUI's own format is {"string_to_param": {"*": tensor}, "name": ..., "step": ...}; nested entries come named with dots.
        var parameters = all.Where(e => e.Key.StartsWith(StringToParam, StringComparison.Ordinal)).ToList();
        var tensors = parameters.Count > 0 ? parameters : all.ToList();
        if (tensors.Count != 1)
            throw new InvalidDataException($"{path}: holds {tensors.Count} tensors ({string.Join(", ", tensors.Select(t => t.Key).Take(4))}); an embedding file holds one");
        return tensors[0].Value;
    }

    public void Dispose()
    {
        if (_vectors is null) return;
        foreach (var vectors in _vectors) vectors.Dispose();
        _vectors = null;
    }
}
