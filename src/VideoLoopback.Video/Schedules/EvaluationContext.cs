namespace VideoLoopback.Video.Schedules;

/// <summary>The state of one evaluation: the frame's image_i and loop_i, and the budgets that bound the work.</summary>
internal sealed class EvaluationContext(int imageI, int loopI)
{
    private int _steps;

    public IntValue ImageI { get; } = IntValue.From(imageI);
    public IntValue LoopI { get; } = IntValue.From(loopI);
    public int CallDepth { get; set; }

    private int _depth;

    public void Enter()
    {
        if (++_depth > ScheduleLimits.MaxEvaluationDepth)
            throw PythonError.Limit($"expression evaluation nested more than {ScheduleLimits.MaxEvaluationDepth} levels deep");
    }

    public void Exit() => _depth--;

    public void Tick()
    {
        if (++_steps > ScheduleLimits.MaxEvaluationSteps)
            throw PythonError.Limit($"evaluation took more than {ScheduleLimits.MaxEvaluationSteps} steps");
    }
}

/// <summary>The arguments of the lambdas being executed, innermost first.</summary>
internal sealed class Scope(ScheduleValue[] values, Scope? parent)
{
    public ScheduleValue[] Values { get; } = values;
    public Scope? Parent { get; } = parent;
}
