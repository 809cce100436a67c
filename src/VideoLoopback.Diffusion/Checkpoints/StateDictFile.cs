using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Safetensors;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// A model file as detection and every network's loader read it, whatever its format: a <c>.safetensors</c> file or a
/// PyTorch pickle (<c>.ckpt</c>/<c>.pth</c>/<c>.pt</c>, zip or legacy format, read without running its code). Only names,
/// shapes and dtypes are read on open; tensors are read one at a time, when asked for, straight into their own memory.
/// Nothing maps the file: tensors loaded from it stay valid when it is truncated, replaced or deleted afterwards.
/// </summary>
public sealed class StateDictFile : IDisposable
{
    private readonly Func<string, ScalarType?, Device?, Tensor> _load;
    private readonly Action<string, Tensor> _loadInto;
    private readonly IDisposable? _owned;
    private readonly Dictionary<string, TensorDescriptor> _byName;

    private StateDictFile(string path, IReadOnlyList<TensorDescriptor> tensors, Func<string, ScalarType?, Device?, Tensor> load,
        Action<string, Tensor> loadInto, IDisposable? owned)
    {
        Path = path;
        Tensors = tensors;
        _load = load;
        _loadInto = loadInto;
        _owned = owned;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public string Path { get; }

    /// <summary>Every tensor's name, shape and dtype.</summary>
    public IReadOnlyList<TensorDescriptor> Tensors { get; }

    /// <summary>
    /// Opens <paramref name="path"/>, telling the formats apart by their first bytes (a <c>.safetensors</c> name is always
    /// read as safetensors). Throws <see cref="SafetensorsException"/> or, for a pickle, <see cref="InvalidDataException"/>,
    /// both naming the file.
    /// </summary>
    public static StateDictFile Open(string path)
    {
        bool safetensors = System.IO.Path.GetExtension(path).Equals(".safetensors", StringComparison.OrdinalIgnoreCase);
        if (safetensors || !(IsPickleName(path) || File.Exists(path) && PickledStateDict.HasSignature(path)))
            return Over(SafetensorsFile.Open(path), owns: true);
        var pickle = PickledStateDict.Open(path);
        return new StateDictFile(path, pickle.Tensors, pickle.Load, pickle.LoadInto, pickle);
    }

    /// <summary>A view of an open safetensors file; the caller keeps owning (and disposing) it.</summary>
    public static implicit operator StateDictFile(SafetensorsFile file) => Over(file, owns: false);

    private static StateDictFile Over(SafetensorsFile file, bool owns) =>
        new(file.FilePath, file.Entries.Select(TensorDescriptor.From).ToList(), file.Load, file.LoadInto, owns ? file : null);

    /// <summary>Names PyTorch pickles usually have; such a file is read as a pickle, so a wrong one gets the pickle reader's message.</summary>
    public static bool IsPickleName(string path) =>
        System.IO.Path.GetExtension(path).ToLowerInvariant() is ".pth" or ".pt" or ".ckpt" or ".bin";

    public bool Contains(string name) => _byName.ContainsKey(name);

    public bool TryGetEntry(string name, out TensorDescriptor entry) => _byName.TryGetValue(name, out entry!);

    /// <summary>The name -> shape map of every tensor.</summary>
    public Dictionary<string, long[]> Shapes() => Tensors.ToDictionary(t => t.Name, t => t.Shape.ToArray());

    /// <summary>One tensor on <paramref name="device"/> in <paramref name="dtype"/> (default: as stored), read from the file now.</summary>
    public Tensor Load(string name, ScalarType? dtype = null, Device? device = null)
    {
        if (!_byName.ContainsKey(name)) throw new InvalidDataException($"{Path}: no tensor named '{name}'");
        return _load(name, dtype, device);
    }

    /// <summary>
    /// Reads tensor <paramref name="name"/> into <paramref name="destination"/> (same element count; its own dtype and device,
    /// converted chunk by chunk), with no intermediate tensor: how networks built beforehand receive their weights.
    /// </summary>
    public void LoadInto(string name, Tensor destination)
    {
        if (!_byName.ContainsKey(name)) throw new InvalidDataException($"{Path}: no tensor named '{name}'");
        _loadInto(name, destination);
    }

    /// <summary>Every tensor whose name passes <paramref name="filter"/> (all when null), read one at a time.</summary>
    public Dictionary<string, Tensor> LoadAll(Func<string, bool>? filter = null, ScalarType? dtype = null, Device? device = null)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var t in Tensors)
                if (filter is null || filter(t.Name))
                    result[t.Name] = _load(t.Name, dtype, device);
            return result;
        }
        catch
        {
            foreach (var tensor in result.Values) tensor.Dispose();
            throw;
        }
    }

    /// <summary>Binds <paramref name="network"/> to the tensors under <paramref name="prefix"/> (see <see cref="StateDictBinding"/>).</summary>
    public void Bind(nn.Module network, string prefix, string what) => StateDictBinding.Load(network, this, prefix, what);

    public void Dispose() => _owned?.Dispose();
}
