namespace VideoLoopback.Video.Schedules;

/// <summary>
/// Bounds that keep any expression cheap: a schedule runs once per frame and comes from user input,
/// so neither parsing nor evaluation may take unbounded time or memory.
/// </summary>
internal static class ScheduleLimits
{
    public const int MaxExpressionLength = 10_000;
    /// <summary>Brackets, unary operators and lambdas nested inside each other, as written.</summary>
    public const int MaxNestingDepth = 100;
    /// <summary>Syntax-tree nodes evaluated inside each other (long operator chains and lambda calls count), so evaluation cannot exhaust the stack.</summary>
    public const int MaxEvaluationDepth = 400;
    /// <summary>Syntax-tree nodes visited in one evaluation (lambda calls re-visit their bodies).</summary>
    public const int MaxEvaluationSteps = 200_000;
    public const int MaxCallDepth = 50;
    public const int MaxStringLength = 1_000_000;
    public const int MaxCollectionLength = 100_000;
    public const int MaxIntegerBits = 65_536;
}
