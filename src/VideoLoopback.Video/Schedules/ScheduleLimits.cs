namespace VideoLoopback.Video.Schedules;

/// <summary>
/// Bounds that keep any expression cheap: a schedule runs once per frame and comes from user input,
/// so neither parsing nor evaluation may take unbounded time, memory or stack. The budgets count work, not time,
/// so whether an expression is accepted never depends on how busy the machine is.
/// </summary>
internal static class ScheduleLimits
{
    public const int MaxExpressionLength = 10_000;
    /// <summary>Brackets, unary operators and lambdas nested inside each other, as written.</summary>
    public const int MaxNestingDepth = 100;
    /// <summary>Syntax-tree nodes evaluated inside each other (long operator chains and lambda calls count), so evaluation cannot exhaust the stack.</summary>
    public const int MaxEvaluationDepth = 400;
    /// <summary>
    /// Work in one evaluation: each syntax-tree node visited (lambda calls re-visit their bodies), each comparison,
    /// equality or hash of an item, <see cref="ItemsPerStep"/> items copied, <see cref="ObjectsPerStep"/> values made, <see cref="CharactersPerStep"/> characters built.
    /// </summary>
    public const int MaxEvaluationSteps = 200_000;
    public const int ItemsPerStep = 16;
    /// <summary>Values allocated (range items, characters of an iterated str, items written by repr) per step.</summary>
    public const int ObjectsPerStep = 4;
    public const int CharactersPerStep = 256;
    /// <summary>Lists, tuples, sets and dicts inside each other: repr, equality and hashing recurse through them.</summary>
    public const int MaxValueNesting = 100;
    public const int MaxCallDepth = 50;
    public const int MaxStringLength = 1_000_000;
    public const int MaxCollectionLength = 100_000;
    public const int MaxIntegerBits = 65_536;
    /// <summary>A backstop only: the step budget ends any evaluation long before this on any machine.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
}
