namespace VideoLoopback.Diffusion.Checkpoints.Pickles;

/// <summary>The storages a pickle refers to, by key: every reference to one key is the same storage, however many tensors view it.</summary>
internal sealed class StorageTable(Action<PickledStorage>? placeNew = null)
{
    private readonly Dictionary<string, PickledStorage> _byKey = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, PickledStorage> ByKey => _byKey;

    /// <summary>The pickle's persistent-id hook: the storage a reference names, created (and placed) on first sight.</summary>
    public object Resolve(object? id)
    {
        var reference = StorageReference.Parse(id);
        if (!_byKey.TryGetValue(reference.Key, out var storage))
        {
            storage = new PickledStorage(reference.Key, reference.Type.DType, reference.ElementCount);
            placeNew?.Invoke(storage);
            _byKey[reference.Key] = storage;
        }
        else if (storage.DType != reference.Type.DType || storage.ElementCount != reference.ElementCount)
            throw new PickleException($"storage '{reference.Key}' is referred to as {storage.ElementCount} {storage.DType} and as " +
                $"{reference.ElementCount} {reference.Type.DType} elements");
        if (reference.View is not { } view) return storage;
        if (!_byKey.TryGetValue(view.Key, out var slice))
            _byKey[view.Key] = slice = PickledStorage.SliceOf(storage, view.Key, view.Offset, view.Count);
        return slice;
    }
}
