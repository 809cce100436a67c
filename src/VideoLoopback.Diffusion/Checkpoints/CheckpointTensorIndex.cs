namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>Tensors by name, with the queries layout detection asks: prefixes, block indices, shapes.</summary>
public sealed class CheckpointTensorIndex
{
    private readonly Dictionary<string, TensorDescriptor> _byName;

    public CheckpointTensorIndex(IEnumerable<TensorDescriptor> tensors)
    {
        _byName = new Dictionary<string, TensorDescriptor>(StringComparer.Ordinal);
        foreach (var t in tensors) _byName[t.Name] = t;
    }

    /// <summary>An index of names and shapes alone (a key manifest, a file's shape map); dtypes read as F32.</summary>
    public static CheckpointTensorIndex FromShapes(IReadOnlyDictionary<string, long[]> shapes) =>
        new(shapes.Select(kv => new TensorDescriptor(kv.Key, kv.Value, Safetensors.SafetensorsDType.F32)));

    public IEnumerable<TensorDescriptor> All => _byName.Values;

    public IEnumerable<string> Names => _byName.Keys;

    public int Count => _byName.Count;

    public bool Has(string name) => _byName.ContainsKey(name);

    public bool HasPrefix(string prefix) => _byName.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal));

    public long[]? Shape(string name) => _byName.TryGetValue(name, out var t) ? t.Shape : null;

    /// <summary>The largest integer N such that some key starts with <c>prefix + N + "."</c>; -1 when none does.</summary>
    public int MaxIndex(string prefix)
    {
        int max = -1;
        foreach (var key in _byName.Keys)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            int end = key.IndexOf('.', prefix.Length);
            if (end > prefix.Length && int.TryParse(key.AsSpan(prefix.Length, end - prefix.Length), out var n) && n > max)
                max = n;
        }
        return max;
    }
}
