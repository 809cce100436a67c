using VideoLoopback.Video.Schedules;

namespace VideoLoopback.Video.Tests.Schedules;

/// <summary>Nothing but the expression subset can run: no imports, dunders, arbitrary attributes or I/O builtins, and bounded work.</summary>
public class ScheduleSafetyTests
{
    [Theory]
    [InlineData("__import__('os').system('echo hi')", "names starting with '__' are not allowed")]
    [InlineData("().__class__.__bases__[0].__subclasses__()", "names starting with '__' are not allowed")]
    [InlineData("import os", "imports are not allowed")]
    [InlineData("from os import system", "imports are not allowed")]
    [InlineData("x = 1", "unexpected '='")]
    [InlineData("(y := 3)", "assignment expressions are not allowed")]
    [InlineData("[x for x in range(3)]", "comprehensions are not supported")]
    [InlineData("f(*args)", "starred arguments are not supported")]
    [InlineData("1; 2", "unexpected ';'")]
    [InlineData("b'bytes'", "bytes literals are not supported")]
    [InlineData("f'{image_i=}'", "self-documenting expressions are not supported")]
    [InlineData("1\n+2", "unexpected line break")]
    public void RefusesNonExpressionSyntax(string expression, string expectedProblem)
    {
        var error = Assert.Throws<ScheduleSyntaxException>(() => Schedule.Parse("seed_schedule", expression));
        Assert.Contains(expectedProblem, error.Problem);
        Assert.StartsWith("seed_schedule: ", error.Message);
    }

    [Theory]
    [InlineData("open('/etc/passwd').read()", "'open' is not available in schedules")]
    [InlineData("eval('1')", "'eval' is not available in schedules")]
    [InlineData("exec('x=1')", "'exec' is not available in schedules")]
    [InlineData("getattr(1, 'real')", "'getattr' is not available in schedules")]
    [InlineData("globals()", "'globals' is not available in schedules")]
    [InlineData("print('x')", "'print' is not available in schedules")]
    [InlineData("(1).real", "attribute access '.real' on int is not available")]
    [InlineData("'abc'.upper()", "attribute access '.upper' on str is not available")]
    [InlineData("sin.__call__", "")] // rejected while parsing, see below
    [InlineData("ImageFilter.Kernel((3, 3), [0] * 9)", "ImageFilter.Kernel is not available in schedules")]
    [InlineData("ImageFilter.ImageFilter", "ImageFilter.ImageFilter is not available in schedules")]
    [InlineData("os.system('x')", "name 'os' is not defined")]
    [InlineData("math.sin(1)", "name 'math' is not defined (the math functions and constants are available directly")]
    [InlineData("erf(1)", "math function 'erf' is not supported in schedules")]
    public void RefusesEverythingOutsideTheWhitelist(string expression, string expectedProblem)
    {
        if (expression.Contains("__"))
        {
            Assert.Throws<ScheduleSyntaxException>(() => Schedule.Parse("cfg_schedule", expression));
            return;
        }
        var schedule = Schedule.Parse("cfg_schedule", expression);
        var error = Assert.Throws<ScheduleEvaluationException>(() => schedule.Evaluate(1, 1));
        Assert.Contains(expectedProblem, error.Problem);
    }

    [Fact]
    public void PostProcessingLambdaMayOnlyFilterTheImage()
    {
        var schedule = Schedule.Parse("image_post_processing_schedule", "lambda img: img.save('/tmp/x.png')");
        var error = Assert.Throws<ScheduleEvaluationException>(() => schedule.AsFilterChain(1, 1));
        Assert.Contains("img.save is not available in schedules (only img.filter(...) is)", error.Message);
    }

    [Theory]
    [InlineData("9 ** 9 ** 9", "integer result larger than")]
    [InlineData("2 ** 100000", "integer result larger than")]
    [InlineData("1 << 10 ** 6", "integer result larger than")]
    [InlineData("'a' * 10 ** 9", "string longer than")]
    [InlineData("'ab' * 600000", "string longer than")]
    [InlineData("[0] * 10 ** 9", "list longer than")]
    [InlineData("list(range(10 ** 12))", "range longer than")]
    [InlineData("factorial(10 ** 6)", "factorial() argument larger than")]
    [InlineData("f'{image_i:>100000000}'", "format width or precision larger than")]
    [InlineData("(lambda f: f(f))(lambda f: f(f))", "nested more than")]
    [InlineData("(lambda f: f(f(f(f(f(f(f(f(f(f(0)))))))))))(lambda x: sum(range(100000)))", "evaluation took more than")]
    public void BoundsTimeAndSize(string expression, string expectedProblem)
    {
        var schedule = Schedule.Parse("step_schedule", expression);
        var error = Assert.Throws<ScheduleEvaluationException>(() => schedule.Evaluate(1, 1));
        Assert.Contains(expectedProblem, error.Problem);
    }

    [Theory]
    [InlineData("'%d' % image_i", "NotSupported: printf-style '%' string formatting (use an f-string)")]
    [InlineData("(-8) ** (1 / 3)", "NotSupported: complex results")]
    [InlineData("sorted([1, 'a'])", "TypeError: '<' not supported between instances of")]
    public void UnsupportedPythonFeaturesSaySo(string expression, string expectedProblem)
    {
        var schedule = Schedule.Parse("prompt_schedule", expression);
        var error = Assert.Throws<ScheduleEvaluationException>(() => schedule.Evaluate(1, 1));
        Assert.StartsWith(expectedProblem, error.Problem);
    }

    [Fact]
    public void MembershipInAHugeRangeIsNotMaterialised()
    {
        var schedule = Schedule.Parse("seed_schedule", "image_i in range(10 ** 15) and 10 ** 14 in range(0, 10 ** 15, 2)");
        Assert.Equal(BoolValue.True, schedule.Evaluate(3, 1));
    }

    [Fact]
    public void BoundsNestingAndLength()
    {
        var deepBrackets = new string('(', 150) + "1" + new string(')', 150);
        Assert.Contains("nested more than", Assert.Throws<ScheduleSyntaxException>(() => Schedule.Parse("s", deepBrackets)).Problem);

        var deepUnary = new string('-', 150) + "1";
        Assert.Contains("nested more than", Assert.Throws<ScheduleSyntaxException>(() => Schedule.Parse("s", deepUnary)).Problem);

        var longChain = string.Join("+", Enumerable.Repeat("1", 2000));
        Assert.Contains("nested more than", Assert.Throws<ScheduleSyntaxException>(() => Schedule.Parse("s", longChain)).Problem);

        var tooLong = "1" + string.Concat(Enumerable.Repeat(" ", 10_000));
        Assert.Contains("longer than", Assert.Throws<ScheduleSyntaxException>(() => Schedule.Parse("s", tooLong)).Problem);

        // Moderate nesting is fine.
        Assert.Equal("60", Schedule.Parse("s", new string('(', 60) + "60" + new string(')', 60)).Evaluate(1, 1).Repr());
        Assert.Equal("300", Schedule.Parse("s", string.Join("+", Enumerable.Repeat("1", 300))).Evaluate(1, 1).Repr());
    }
}
