namespace VideoLoopback.Diffusion.Checkpoints.Pickles;

/// <summary>A pickled dict or OrderedDict: its entries in the order they were written.</summary>
internal sealed class PickleDict
{
    private static readonly object NoneKey = new();
    private readonly List<KeyValuePair<object?, object?>> _entries = [];
    private readonly Dictionary<object, int> _index = [];

    public IReadOnlyList<KeyValuePair<object?, object?>> Entries => _entries;

    public static PickleDict FromPairs(List<object?> items)
    {
        if (items.Count % 2 != 0) throw new PickleException("malformed pickle: DICT with an odd number of items");
        var dict = new PickleDict();
        for (int i = 0; i < items.Count; i += 2) dict.Set(items[i], items[i + 1]);
        return dict;
    }

    /// <summary>Sets <paramref name="key"/>; a later value replaces an earlier one, as in Python.</summary>
    public void Set(object? key, object? value)
    {
        if (_index.TryGetValue(key ?? NoneKey, out int index)) _entries[index] = new(key, value);
        else
        {
            _index[key ?? NoneKey] = _entries.Count;
            _entries.Add(new(key, value));
        }
    }

    public object? Get(string key) => _index.TryGetValue(key, out int index) ? _entries[index].Value : null;
}
