using System.Numerics;

namespace VideoLoopback.Video.Schedules;

/// <summary>A Python list or tuple: an indexable, sliceable sequence of values.</summary>
public abstract class SequenceValue : ScheduleValue
{
    public IReadOnlyList<ScheduleValue> Items { get; }

    internal override int Nesting { get; }

    protected SequenceValue(IReadOnlyList<ScheduleValue> items)
    {
        if (items.Count > ScheduleLimits.MaxCollectionLength)
            throw PythonError.Limit($"{TypeName} longer than {ScheduleLimits.MaxCollectionLength} items");
        EvaluationContext.ChargeItems(items.Count);
        Nesting = NestingAbove(items);
        Items = items;
    }

    public override string Repr() => ReprBuilder.Build(this);

    public override bool IsTruthy => Items.Count > 0;

    public abstract SequenceValue With(IReadOnlyList<ScheduleValue> items);
}

public sealed class ListValue(IReadOnlyList<ScheduleValue> items) : SequenceValue(items)
{
    public override string TypeName => "list";

    internal override void WriteRepr(ReprBuilder builder)
    {
        builder.Append("[");
        builder.AppendJoined(Items, item => item.WriteRepr(builder));
        builder.Append("]");
    }

    public override SequenceValue With(IReadOnlyList<ScheduleValue> items) => new ListValue(items);
}

public sealed class TupleValue(IReadOnlyList<ScheduleValue> items) : SequenceValue(items)
{
    public override string TypeName => "tuple";

    internal override void WriteRepr(ReprBuilder builder)
    {
        builder.Append("(");
        builder.AppendJoined(Items, item => item.WriteRepr(builder));
        builder.Append(Items.Count == 1 ? ",)" : ")");
    }

    public override SequenceValue With(IReadOnlyList<ScheduleValue> items) => new TupleValue(items);
}

/// <summary>Python set; items keep insertion order (Python's own order is hash-based and only shows in repr).</summary>
public sealed class SetValue : ScheduleValue
{
    private readonly HashSet<ScheduleValue> _lookup;

    public IReadOnlyList<ScheduleValue> Items { get; }

    public SetValue(IEnumerable<ScheduleValue> items)
    {
        _lookup = new HashSet<ScheduleValue>(PythonKeyComparer.Instance);
        var ordered = new List<ScheduleValue>();
        foreach (var item in items)
        {
            // Hashing and comparing each item is a call per item, charged as a step.
            EvaluationContext.Charge(1);
            if (_lookup.Add(item)) ordered.Add(item);
            if (ordered.Count > ScheduleLimits.MaxCollectionLength)
                throw PythonError.Limit($"set larger than {ScheduleLimits.MaxCollectionLength} items");
        }
        Nesting = NestingAbove(ordered);
        Items = ordered;
    }

    internal override int Nesting { get; }

    public bool Contains(ScheduleValue value) => _lookup.Contains(value);

    public override string TypeName => "set";
    public override bool IsTruthy => Items.Count > 0;
    public override string Repr() => ReprBuilder.Build(this);

    internal override void WriteRepr(ReprBuilder builder)
    {
        if (Items.Count == 0)
        {
            builder.Append("set()");
            return;
        }
        builder.Append("{");
        builder.AppendJoined(Items, item => item.WriteRepr(builder));
        builder.Append("}");
    }
}

/// <summary>Python dict (insertion ordered, like Python's).</summary>
public sealed class DictValue : ScheduleValue
{
    // Positions, not values: a key equal to nothing, not even itself (NaN), can still be printed with its value.
    private readonly Dictionary<ScheduleValue, int> _positions = new(PythonKeyComparer.Instance);
    private readonly List<ScheduleValue> _keys = [];
    private readonly List<ScheduleValue> _values = [];

    public DictValue(IEnumerable<KeyValuePair<ScheduleValue, ScheduleValue>> pairs)
    {
        foreach (var (key, value) in pairs)
        {
            EvaluationContext.Charge(1);
            if (_positions.TryGetValue(key, out var position)) _values[position] = value;
            else
            {
                _positions[key] = _keys.Count;
                _keys.Add(key);
                _values.Add(value);
            }
            if (_keys.Count > ScheduleLimits.MaxCollectionLength)
                throw PythonError.Limit($"dict larger than {ScheduleLimits.MaxCollectionLength} items");
        }
        Nesting = NestingAbove(_keys.Concat(_values));
    }

    internal override int Nesting { get; }

    public IReadOnlyList<ScheduleValue> Keys => _keys;

    public bool TryGet(ScheduleValue key, out ScheduleValue value)
    {
        bool found = _positions.TryGetValue(key, out var position);
        value = found ? _values[position] : null!;
        return found;
    }

    public override string TypeName => "dict";
    public override bool IsTruthy => _keys.Count > 0;
    public override string Repr() => ReprBuilder.Build(this);

    internal override void WriteRepr(ReprBuilder builder)
    {
        builder.Append("{");
        builder.AppendJoined(Enumerable.Range(0, _keys.Count).ToList(), i =>
        {
            _keys[i].WriteRepr(builder);
            builder.Append(": ");
            _values[i].WriteRepr(builder);
        });
        builder.Append("}");
    }
}

/// <summary>Python range: never materialised unless iterated.</summary>
public sealed class RangeValue(BigInteger start, BigInteger stop, BigInteger step) : ScheduleValue
{
    public BigInteger Start { get; } = start;
    public BigInteger Stop { get; } = stop;
    public BigInteger Step { get; } = step;

    public BigInteger Length
    {
        get
        {
            if (Step > 0) return Stop > Start ? (Stop - Start + Step - 1) / Step : 0;
            return Start > Stop ? (Start - Stop - Step - 1) / -Step : 0;
        }
    }

    public bool Contains(BigInteger value)
    {
        if (Step > 0 ? value < Start || value >= Stop : value > Start || value <= Stop) return false;
        return BigInteger.Remainder(value - Start, Step).IsZero;
    }

    public BigInteger At(BigInteger index) => Start + index * Step;

    public override string TypeName => "range";
    public override bool IsTruthy => !Length.IsZero;
    public override string Repr() => Step.IsOne ? $"range({Start}, {Stop})" : $"range({Start}, {Stop}, {Step})";
}
