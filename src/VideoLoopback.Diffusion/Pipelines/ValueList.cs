namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// An immutable list compared item by item (a plain array or list compares by reference), so a record key can hold
/// a sequence. The default value is the empty list.
/// </summary>
public readonly struct ValueList<T> : IEquatable<ValueList<T>>
{
    private readonly T[]? _items;

    public ValueList(IEnumerable<T> items) => _items = items.ToArray();

    public IReadOnlyList<T> Items => _items ?? [];

    public bool Equals(ValueList<T> other) => Items.SequenceEqual(other.Items);

    public override bool Equals(object? obj) => obj is ValueList<T> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in Items) hash.Add(item);
        return hash.ToHashCode();
    }

    public static bool operator ==(ValueList<T> left, ValueList<T> right) => left.Equals(right);

    public static bool operator !=(ValueList<T> left, ValueList<T> right) => !left.Equals(right);

    public override string ToString() => $"[{string.Join(", ", Items)}]";
}
