using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Safetensors;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// One textual-inversion embedding file: its name (the file name without extension, as typed in prompts), the token ids of
/// that name, and its vectors [n,C] (float32 on the CPU), read on first use so a folder of many files costs nothing until a
/// prompt names one. Recognised as WebUI recognises them: a <c>.pt</c>/<c>.bin</c> pickle with <c>string_to_param</c> holding
/// one tensor, or a file (pickle or <c>.safetensors</c>) holding a single tensor (diffusers concepts, <c>emb_params</c>);
/// SDXL's <c>clip_l</c>/<c>clip_g</c> pair is recognised and refused.
/// </summary>
public sealed class TextualInversionEmbedding(string name, string filePath, int[] tokenIds, int width) : IDisposable
{
    private Tensor? _vectors;

    public string Name { get; } = name;
    public string FilePath { get; } = filePath;

    /// <summary>The ids the tokenizer gives the name; a prompt uses the embedding where these appear in a run's tokens.</summary>
    public int[] TokenIds { get; } = tokenIds;

    /// <summary>The vectors [n,C], read on first use; a file that is not an embedding of width C throws naming it.</summary>
    public Tensor Vectors => _vectors ??= Read(FilePath, width);

    /// <summary>How many token positions the embedding takes in a chunk.</summary>
    public int VectorCount => (int)Vectors.shape[0];

    /// <summary>Reads the vectors of <paramref name="path"/>, checking they are [n,<paramref name="width"/>] with n at least 1.</summary>
    public static Tensor Read(string path, int width)
    {
        Tensor vectors;
        try
        {
            vectors = ReadFile(path);
        }
        catch (Exception e) when (e is SafetensorsException or IOException or InvalidCastException or InvalidOperationException
                                      or ArgumentException or NotImplementedException)
        {
            throw new InvalidDataException($"{path}: not a readable textual-inversion embedding ({e.Message})", e);
        }
        if (vectors.ndim == 1) vectors = vectors.unsqueeze(0);
        if (vectors.ndim == 2 && vectors.shape[1] == width && vectors.shape[0] > PromptChunk.Length)
        {
            long count = vectors.shape[0];
            vectors.Dispose();
            throw new InvalidDataException($"{path}: {count} vectors do not fit in one {PromptChunk.Length}-token chunk");
        }
        if (vectors.ndim != 2 || vectors.shape[0] == 0 || vectors.shape[1] != width)
        {
            string shape = string.Join(",", vectors.shape);
            vectors.Dispose();
            throw new InvalidDataException($"{path}: embedding vectors are [{shape}], but this model's text encoder takes [n,{width}] " +
                "(an embedding for another model family?)");
        }
        return vectors.to(ScalarType.Float32).contiguous().DetachFromDisposeScope();
    }

    private static Tensor ReadFile(string path)
    {
        using var file = StateDictFile.Open(path);
        var all = file.LoadAll(dtype: ScalarType.Float32);
        // WebUI's own format is {"string_to_param": {"*": tensor}, "name": ..., "step": ...}; nested entries come named with dots.
        var parameters = all.Where(e => e.Key.StartsWith("string_to_param.", StringComparison.Ordinal)).ToDictionary(e => e.Key, e => e.Value);
        var tensors = parameters.Count > 0 ? parameters : all;
        foreach (var other in all.Where(e => !tensors.ContainsKey(e.Key))) other.Value.Dispose();
        if (tensors.Count == 0) throw new InvalidDataException($"{path}: holds neither string_to_param nor a tensor: not a textual-inversion embedding");
        try
        {
            return Single(path, tensors.Keys, tensors);
        }
        catch
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
            throw;
        }
    }

    private static Tensor Single(string path, IEnumerable<string> keys, IReadOnlyDictionary<string, Tensor> tensors)
    {
        if (tensors.ContainsKey("clip_l") && tensors.ContainsKey("clip_g"))
            throw new InvalidDataException($"{path}: an SDXL embedding (clip_l and clip_g); it cannot be used with an SD1.x model");
        if (tensors.Count != 1)
            throw new InvalidDataException($"{path}: holds {tensors.Count} tensors ({string.Join(", ", keys.Take(4))}); an embedding file holds one");
        return tensors.Values.First();
    }

    public void Dispose()
    {
        _vectors?.Dispose();
        _vectors = null;
    }
}
