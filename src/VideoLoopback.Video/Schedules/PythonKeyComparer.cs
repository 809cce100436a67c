using System.Numerics;

namespace VideoLoopback.Video.Schedules;

/// <summary>Python's hash/equality for set members and dict keys: 1, 1.0 and True are the same key; lists, sets and dicts are unhashable.</summary>
internal sealed class PythonKeyComparer : IEqualityComparer<ScheduleValue>
{
    public static readonly PythonKeyComparer Instance = new();

    public bool Equals(ScheduleValue? x, ScheduleValue? y) => x is not null && y is not null && PythonOps.AreEqual(x, y);

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
        StrValue s => s.Value.GetHashCode(StringComparison.Ordinal),
        TupleValue t => HashItems(t),
        ListValue or SetValue or DictValue => throw PythonError.Type($"unhashable type: '{value.TypeName}'"),
        _ => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(value),
    };
}
