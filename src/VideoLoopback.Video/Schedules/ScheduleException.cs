namespace VideoLoopback.Video.Schedules;

/// <summary>A schedule expression that cannot be used; the message names the schedule.</summary>
public abstract class ScheduleException(string scheduleName, string message) : Exception(message)
{
    public string ScheduleName { get; } = scheduleName;
}

/// <summary>The expression does not parse: <c>denoising_schedule: column 7: unexpected ')'</c>.</summary>
public sealed class ScheduleSyntaxException(string scheduleName, int line, int column, string problem)
    : ScheduleException(scheduleName, line > 1 ? $"{scheduleName}: line {line}, column {column}: {problem}" : $"{scheduleName}: column {column}: {problem}")
{
    public int Line { get; } = line;

    /// <summary>1-based column of the offending character within its line.</summary>
    public int Column { get; } = column;

    public string Problem { get; } = problem;
}

/// <summary>The expression parsed but failed for one frame (unknown name, wrong type, division by zero, a limit hit),
/// or its result cannot be used for the parameter it sets.</summary>
public sealed class ScheduleEvaluationException(string scheduleName, int imageI, int loopI, string problem)
    : ScheduleException(scheduleName, $"{scheduleName} (image_i={imageI}, loop_i={loopI}): {problem}")
{
    public int ImageI { get; } = imageI;
    public int LoopI { get; } = loopI;
    public string Problem { get; } = problem;
}
