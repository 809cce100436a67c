namespace VideoLoopback.Diffusion.Checkpoints.Pickles;

/// <summary>
/// The persistent id PyTorch pickles in place of a storage: <c>('storage', storage_type, key, location, numel)</c>, and in the
/// legacy format a sixth item, <c>(view_key, offset, view_numel)</c> or None. The location (cpu, cuda:0) is not used:
/// everything is read onto the CPU.
/// </summary>
internal sealed record StorageReference(TorchStorageType Type, string Key, long ElementCount, (string Key, long Offset, long Count)? View)
{
    public static StorageReference Parse(object? id)
    {
        if (id is not object?[] items || items.Length is not (5 or 6))
            throw new PickleException($"malformed pickle: persistent id {PickleMachine.Describe(id)} is not a storage reference");
        if (items[0] as string != "storage")
            throw new PickleException(items[0] as string == "module"
                ? "holds a pickled nn.Module (a whole model), not a state dict; save the model's state_dict() instead"
                : $"malformed pickle: persistent id of kind {PickleMachine.Describe(items[0])}");
        if (items[1] is not TorchStorageType type)
            throw new PickleException($"malformed pickle: storage type {PickleMachine.Describe(items[1])}");
        var key = Text(items[2]);
        if (items[4] is not long count || count < 0) throw new PickleException($"malformed pickle: storage '{key}' has no element count");
        (string, long, long)? view = null;
        if (items.Length == 6 && items[5] is not null)
        {
            if (items[5] is not object?[] { Length: 3 } v || v[1] is not long offset || v[2] is not long viewCount)
                throw new PickleException($"malformed pickle: view of storage '{key}'");
            view = (Text(v[0]), offset, viewCount);
        }
        return new StorageReference(type, key, count, view);
    }

    private static string Text(object? value) => value switch
    {
        string s => s,
        long n => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new PickleException($"malformed pickle: storage key {PickleMachine.Describe(value)}"),
    };
}
