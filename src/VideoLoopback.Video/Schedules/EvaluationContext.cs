using System.Diagnostics;

namespace VideoLoopback.Video.Schedules;

/// <summary>
/// The state of one evaluation: the frame's image_i and loop_i, and the budgets that bound the work. Work done inside
/// values and builtins (copying, comparing, hashing, building text) is charged through <see cref="Charge"/> to the
/// evaluation running on this thread, so the step budget bounds all of it, not only the syntax-tree nodes visited.
/// </summary>
internal sealed class EvaluationContext(int imageI, int loopI)
{
    [ThreadStatic] private static EvaluationContext? t_active;

    private readonly long _started = Stopwatch.GetTimestamp();
    private long _steps;
    private long _nextDeadlineCheck = DeadlineCheckInterval;
    private int _depth;

    /// <summary>Steps between two looks at the clock: the wall-clock deadline is only a backstop to the step budget.</summary>
    private const long DeadlineCheckInterval = 1024;

    public IntValue ImageI { get; } = IntValue.From(imageI);
    public IntValue LoopI { get; } = IntValue.From(loopI);
    public int CallDepth { get; set; }

    public void Enter()
    {
        if (++_depth > ScheduleLimits.MaxEvaluationDepth)
            throw PythonError.Limit($"expression evaluation nested more than {ScheduleLimits.MaxEvaluationDepth} levels deep");
    }

    public void Exit() => _depth--;

    public void Tick() => Spend(1);

    private void Spend(long steps)
    {
        _steps += steps;
        if (_steps > ScheduleLimits.MaxEvaluationSteps)
            throw PythonError.Limit($"evaluation took more than {ScheduleLimits.MaxEvaluationSteps} steps");
        if (_steps < _nextDeadlineCheck) return;
        _nextDeadlineCheck = _steps + DeadlineCheckInterval;
        if (Stopwatch.GetElapsedTime(_started) > ScheduleLimits.Deadline)
            throw PythonError.Limit($"evaluation took longer than {ScheduleLimits.Deadline.TotalSeconds:0} s");
    }

    /// <summary>Makes this the evaluation that <see cref="Charge"/> bills on this thread until the result is disposed.</summary>
    public Activation Activate()
    {
        var previous = t_active;
        t_active = this;
        return new Activation(previous);
    }

    /// <summary>Bills <paramref name="steps"/> of work to the evaluation running on this thread (none outside one).</summary>
    public static void Charge(long steps)
    {
        if (steps > 0) t_active?.Spend(steps);
    }

    /// <summary>Bills copying <paramref name="items"/> references (a collection built, a range materialised).</summary>
    public static void ChargeItems(long items) => Charge((items + ScheduleLimits.ItemsPerStep - 1) / ScheduleLimits.ItemsPerStep);

    /// <summary>Bills making <paramref name="values"/> values (range items, one-character strings, items printed).</summary>
    public static void ChargeObjects(long values) => Charge((values + ScheduleLimits.ObjectsPerStep - 1) / ScheduleLimits.ObjectsPerStep);

    /// <summary>Bills building <paramref name="characters"/> characters of text.</summary>
    public static void ChargeCharacters(long characters) =>
        Charge((characters + ScheduleLimits.CharactersPerStep - 1) / ScheduleLimits.CharactersPerStep);

    public readonly struct Activation(EvaluationContext? previous) : IDisposable
    {
        public void Dispose() => t_active = previous;
    }
}

/// <summary>The arguments of the lambdas being executed, innermost first.</summary>
internal sealed class Scope(ScheduleValue[] values, Scope? parent)
{
    public ScheduleValue[] Values { get; } = values;
    public Scope? Parent { get; } = parent;
}
