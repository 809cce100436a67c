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
