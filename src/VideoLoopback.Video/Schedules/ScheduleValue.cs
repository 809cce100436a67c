namespace VideoLoopback.Video.Schedules;

/// <summary>
/// A Python value produced by a schedule expression. <see cref="TypeName"/> is Python's type name
/// (int, float, bool, str, list, tuple, set, dict, NoneType, function, ...) and <see cref="Repr"/> its repr().
/// </summary>
public abstract class ScheduleValue
{
    public abstract string TypeName { get; }

    /// <summary>Python truthiness (<c>bool(x)</c>).</summary>
    public virtual bool IsTruthy => true;

    public abstract string Repr();

    /// <summary>Writes repr() into a budgeted builder; containers override it so that their text is never built past the budget.</summary>
    internal virtual void WriteRepr(ReprBuilder builder) => builder.Append(Repr());

    /// <summary>Containers inside containers, 0 for anything else: bounded where values are made, so that repr,
    /// equality and hashing, which recurse through the items, cannot exhaust the stack.</summary>
    internal virtual int Nesting => 0;

    /// <summary>1 + the deepest item's nesting, refusing values nested past <see cref="ScheduleLimits.MaxValueNesting"/>.</summary>
    internal static int NestingAbove(IEnumerable<ScheduleValue> items)
    {
        int deepest = 0;
        foreach (var item in items) deepest = Math.Max(deepest, item.Nesting);
        if (deepest >= ScheduleLimits.MaxValueNesting)
            throw PythonError.Limit($"lists, tuples, sets or dicts nested more than {ScheduleLimits.MaxValueNesting} levels deep");
        return deepest + 1;
    }

    /// <summary>Python <c>str(x)</c>.</summary>
    public virtual string Str() => Repr();

    public override string ToString() => Repr();
}

public sealed class NoneValue : ScheduleValue
{
    public static readonly NoneValue Instance = new();

    private NoneValue() { }

    public override string TypeName => "NoneType";
    public override bool IsTruthy => false;
    public override string Repr() => "None";
}
