using VideoLoopback.Video.Schedules;

namespace VideoLoopback.Video.Tests.Schedules;

/// <summary>
/// Hostile schedules end in one clean <see cref="ScheduleEvaluationException"/> naming the schedule and the budget hit:
/// work inside builtins and values is charged to the step budget, text is built against a character budget, and values
/// cannot nest deeply enough to exhaust the stack. Each runs with a timeout so that a regression fails instead of hanging.
/// </summary>
public class ScheduleBudgetTests
{
    private static readonly TimeSpan HangTimeout = TimeSpan.FromSeconds(60);

    /// <summary><paramref name="function"/> applied 2^<paramref name="doublings"/> times to <paramref name="argument"/>, by
    /// composing a doubling lambda: a short expression whose evaluation repeats the work thousands of times.</summary>
    internal static string Amplified(int doublings, string function, string argument) =>
        "(lambda D: " + string.Concat(Enumerable.Repeat("D(", doublings)) + function + new string(')', doublings) +
        $"({argument}))(lambda f: lambda x: f(f(x)))";

    /// <summary>About 2^15 lists inside each other.</summary>
    private static readonly string DeeplyNestedList = Amplified(15, "lambda x: [x]", "0");

    internal static async Task<T> WithinTimeout<T>(Func<T> action)
    {
        try
        {
            return await Task.Run(action).WaitAsync(HangTimeout);
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"did not finish within {HangTimeout.TotalSeconds} s (a hang?)");
        }
    }

    private static Task<ScheduleEvaluationException> Fails(string name, string expression) =>
        WithinTimeout(() => Assert.Throws<ScheduleEvaluationException>(() => Schedule.Parse(name, expression).AsDouble(1, 1)));

    [Fact]
    public async Task DeeplyNestedValuesStopAtTheNestingLimit()
    {
        var error = await Fails("cfg_schedule", DeeplyNestedList);
        Assert.Equal("cfg_schedule (image_i=1, loop_i=1): LimitExceeded: lists, tuples, sets or dicts nested more than 100 levels deep",
                     error.Message);
    }

    [Fact]
    public async Task NestingUpToTheLimitStillPrintsAndCompares()
    {
        // 64 levels from the lambdas, 36 written around them: 100 in all, the most a value may have.
        var make = "lambda z: " + new string('[', 36) + Amplified(6, "lambda x: [x]", "z") + new string(']', 36);
        var value = await WithinTimeout(() =>
            Schedule.Parse("prompt_schedule", $"(lambda g: str(g(0)) + str(g(0) == g(0)))({make})").AsString(1, 1));
        Assert.Equal(new string('[', 100) + "0" + new string(']', 100) + "True", value);
        var error = await Fails("cfg_schedule", $"[({make})(0)]");
        Assert.Equal("cfg_schedule (image_i=1, loop_i=1): LimitExceeded: lists, tuples, sets or dicts nested more than 100 levels deep",
                     error.Message);
    }

    [Fact]
    public async Task IsqrtIsExactAndInstantForHugeIntegers()
    {
        var schedule = Schedule.Parse("seed_schedule", "isqrt(10**60) == 10**30 and isqrt(10**60 - 1) == 10**30 - 1 and isqrt(2**4000 + 1) == 2**2000");
        Assert.Equal(BoolValue.True, await WithinTimeout(() => schedule.Evaluate(1, 1)));
        Assert.Equal("1000000000000000000000000000000", Schedule.Parse("seed_schedule", "isqrt(10**60)").Evaluate(1, 1).Repr());
        Assert.Equal("3", Schedule.Parse("seed_schedule", "isqrt(15)").Evaluate(1, 1).Repr());
        Assert.Equal("4", Schedule.Parse("seed_schedule", "isqrt(16)").Evaluate(1, 1).Repr());
    }

    [Fact]
    public async Task EqualityOfHugeSharedListsRunsOutOfSteps()
    {
        var error = await Fails("cfg_schedule", "[[[[0]*1000]*1000]*1000]*1000 == [[[[0]*1000]*1000]*1000]*1000");
        Assert.Equal("cfg_schedule (image_i=1, loop_i=1): LimitExceeded: evaluation took more than 200000 steps", error.Message);
    }

    [Fact]
    public async Task MembershipInHugeSharedListsRunsOutOfSteps()
    {
        var error = await Fails("cfg_schedule", "[[0]*1000]*1000 in [[[0]*1000]*999 + [[1]*1000]]*1000");
        Assert.Equal("cfg_schedule (image_i=1, loop_i=1): LimitExceeded: evaluation took more than 200000 steps", error.Message);
    }

    [Fact]
    public async Task LambdaAmplifiedSortingRunsOutOfSteps()
    {
        var error = await Fails("cfg_schedule", Amplified(10, "lambda x: len(sorted(range(100000, 0, -1))) + x", "0"));
        Assert.Equal("cfg_schedule (image_i=1, loop_i=1): LimitExceeded: evaluation took more than 200000 steps", error.Message);
    }

    [Fact]
    public async Task ReprOfAHugeValueStopsAtTheCharacterBudget()
    {
        var error = await WithinTimeout(() => Assert.Throws<ScheduleEvaluationException>(() =>
            Schedule.Parse("prompt_schedule", "str([[0]*100000]*100000)").AsString(1, 1)));
        Assert.Equal("prompt_schedule (image_i=1, loop_i=1): LimitExceeded: string longer than 1000000 characters (repr)", error.Message);
    }

    [Theory]
    [InlineData("lambda x: len(str([0]*100000)) + x")]
    [InlineData("lambda x: len(list(range(100000)) * 1) + x")]
    [InlineData("lambda x: len(set(range(100000))) + x")]
    [InlineData("lambda x: ('a' * 500000 + 'b' in 'a' * 1000000) + x")]
    [InlineData("lambda x: len(str(7 ** 20000)) + x")]
    [InlineData("lambda x: max(range(100000)) + x")]
    [InlineData("lambda x: ((1,) * 100000 in {(2,) * 100000}) + x")]
    public async Task WorkInsideBuiltinsIsCharged(string function)
    {
        var error = await Fails("cfg_schedule", Amplified(10, function, "0"));
        Assert.Equal("cfg_schedule (image_i=1, loop_i=1): LimitExceeded: evaluation took more than 200000 steps", error.Message);
    }

    [Fact]
    public async Task LambdaAmplifiedFilterChainsRunOutOfSteps()
    {
        var error = await WithinTimeout(() => Assert.Throws<ScheduleEvaluationException>(() =>
            Schedule.Parse("image_post_processing_schedule",
                "lambda img: " + Amplified(15, "lambda i: i.filter(ImageFilter.SMOOTH)", "img")).AsFilterChain(1, 1)));
        Assert.Equal("image_post_processing_schedule (image_i=1, loop_i=1): LimitExceeded: evaluation took more than 200000 steps",
                     error.Message);
    }

    [Fact]
    public void OrdinarySchedulesStayWellInsideTheBudgets()
    {
        Assert.Equal("4999950000", Schedule.Parse("seed_schedule", "sum(list(range(100000))[::-1][:100000])").Evaluate(1, 1).Repr());
        Assert.Equal("499500", Schedule.Parse("seed_schedule", "sum(sorted(range(1000), reverse=True))").Evaluate(1, 1).Repr());
        Assert.Equal(1_000_000, ((StrValue)Schedule.Parse("prompt_schedule", "'ab' * 500000").Evaluate(1, 1)).Value.Length);
    }

    [Fact]
    public void ErrorMessagesShowOnlyTheStartOfAHugeValue()
    {
        var error = Assert.Throws<ScheduleEvaluationException>(() => Schedule.Parse("cfg_schedule", "[[0]*100000]*100000").AsDouble(1, 1));
        var start = "[[" + string.Join(", ", Enumerable.Repeat("0", 100));
        Assert.Equal("cfg_schedule (image_i=1, loop_i=1): expected a number, got list " + start[..77] + "...", error.Message);
    }

    [Theory]
    [InlineData("lambda x: any(l) + x")]
    [InlineData("lambda x: (s in {1}) + x")]
    [InlineData("lambda x: (s == s[:-1] + 'a') + x")]
    [InlineData("lambda x: (s < s[:-1] + 'b') + x")]
    public async Task WorkOnLargeArgumentsIsCharged(string function)
    {
        var error = await Fails("cfg_schedule", $"(lambda l, s: {Amplified(16, function, "0")})([0] * 100000, 'a' * 1000000)");
        Assert.Equal("cfg_schedule (image_i=1, loop_i=1): LimitExceeded: evaluation took more than 200000 steps", error.Message);
    }

    [Fact]
    public void TheDeepestAllowedEvaluationFailsCleanlyOnASmallStack()
    {
        // Values nested to the limit, repr'd and compared at the deepest evaluation: on a thread with a 256 KiB stack this
        // either works or ends in a clean error, never a crash (recursion checks the stack it has left).
        var make = "lambda z: " + new string('[', 36) + Amplified(6, "lambda x: [x]", "z") + new string(']', 36);
        // A long operator chain puts its first operand 300 evaluation levels deep without nesting anything as written.
        var deep = $"len(str((lambda g: g(0) == g(0))({make})))" + string.Concat(Enumerable.Repeat(" + 0", 300));
        Exception? failure = null;
        string? result = null;
        var thread = new Thread(() =>
        {
            try { result = Schedule.Parse("seed_schedule", deep).Evaluate(1, 1).Repr(); }
            catch (Exception e) { failure = e; }
        }, 256 * 1024);
        thread.Start();
        Assert.True(thread.Join(HangTimeout), "evaluation did not finish");
        if (failure is not null) Assert.IsType<ScheduleEvaluationException>(failure);
        else Assert.Equal("4", result);
    }
}
