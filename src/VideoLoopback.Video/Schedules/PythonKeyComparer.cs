using System.Numerics;

namespace VideoLoopback.Video.Schedules;

/// <summary>Python's hash/equality for set members and dict keys: 1, 1.0 and True are the same key; lists, sets and dicts are unhashable.</summary>
internal sealed class PythonKeyComparer : IEqualityComparer<ScheduleValue>
{
    public static readonly PythonKeyComparer Instance = new();

    /// <summary>Identity first, as Python's dict and set lookups do: a NaN key finds itself.</summary>
    public bool Equals(ScheduleValue? x, ScheduleValue? y) => ReferenceEquals(x, y) || (x is not null && y is not null && PythonOps.AreEqual(x, y));

    private static int HashText(string text)
    {
        EvaluationContext.ChargeCharacters(text.Length);
        return text.GetHashCode(StringComparison.Ordinal);
    }

    private int HashItems(TupleValue tuple)
    {
        EvaluationContext.Charge(1 + tuple.Items.Count);
        return tuple.Items.Aggregate(17, (h, item) => h * 31 + GetHashCode(item));
    }

    public int GetHashCode(ScheduleValue value) => value switch
    {
        IntValue i => i.Value.GetHashCode(),
        BoolValue b => b.Value ? BigInteger.One.GetHashCode() : BigInteger.Zero.GetHashCode(),
        FloatValue f when double.IsFinite(f.Value) && Math.Floor(f.Value) == f.Value => new BigInteger(f.Value).GetHashCode(),
        FloatValue f => f.Value.GetHashCode(),
        StrValue s => HashText(s.Value),
        TupleValue t => HashItems(t),
        ListValue or SetValue or DictValue => throw PythonError.Type($"unhashable type: '{value.TypeName}'"),
        _ => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(value),
    };
}
