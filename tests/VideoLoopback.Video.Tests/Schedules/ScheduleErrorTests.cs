using VideoLoopback.Video.Schedules;

namespace VideoLoopback.Video.Tests.Schedules;

/// <summary>Syntax errors name the schedule and the 1-based column; runtime errors name the schedule, the frame and the problem.</summary>
public class ScheduleErrorTests
{
    [Theory]
    [InlineData("(0.4 +)", "denoising_schedule: column 7: unexpected ')'")]
    [InlineData("0.4 if loop_i<3 0.3", "denoising_schedule: column 17: unexpected '0.3'; a conditional expression needs 'else'")]
    [InlineData("0.4 if loop_i<3 else", "denoising_schedule: column 21: unexpected end of expression")]
    [InlineData("[0.1, 0.8, 0.1", "denoising_schedule: column 15: unexpected end of expression; expected ',' or ']'")]
    [InlineData("'abc", "denoising_schedule: column 1: unterminated string literal")]
    [InlineData("  1 $ 2", "denoising_schedule: column 5: invalid character '$'")]
    [InlineData("007", "denoising_schedule: column 1: leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers")]
    [InlineData("f'{image_i:03d} {}'", "denoising_schedule: column 17: f-string: empty expression not allowed")]
    [InlineData("f'{loop_i +}'", "denoising_schedule: column 12: unexpected end of expression")]
    [InlineData("[1,\n 2 +]", "denoising_schedule: line 2, column 5: unexpected ']'")]
    [InlineData("", "denoising_schedule: column 1: empty expression")]
    public void SyntaxErrorsNameTheScheduleAndColumn(string expression, string expectedMessage)
    {
        var error = Assert.Throws<ScheduleSyntaxException>(() => Schedule.Parse("denoising_schedule", expression));
        Assert.Equal(expectedMessage, error.Message);
        Assert.Equal("denoising_schedule", error.ScheduleName);
    }

    [Theory]
    [InlineData("seed_schedule", "undefined + 1", 1, 1, "seed_schedule (image_i=1, loop_i=1): NameError: name 'undefined' is not defined")]
    [InlineData("cfg_schedule", "7 / (image_i - 2)", 2, 1, "cfg_schedule (image_i=2, loop_i=1): ZeroDivisionError: division by zero")]
    [InlineData("prompt_schedule", "'frame ' + image_i", 3, 2, "prompt_schedule (image_i=3, loop_i=2): TypeError: can only concatenate str (not \"int\") to str")]
    [InlineData("seed_schedule", "[111, 222][image_i]", 2, 1, "seed_schedule (image_i=2, loop_i=1): IndexError: list index out of range")]
    [InlineData("denoising_schedule", "sqrt(-loop_i)", 1, 3, "denoising_schedule (image_i=1, loop_i=3): ValueError: math domain error")]
    public void RuntimeErrorsNameTheScheduleFrameAndProblem(string name, string expression, int imageI, int loopI, string expectedMessage)
    {
        var schedule = Schedule.Parse(name, expression);
        var error = Assert.Throws<ScheduleEvaluationException>(() => schedule.Evaluate(imageI, loopI));
        Assert.Equal(expectedMessage, error.Message);
        Assert.Equal((name, imageI, loopI), (error.ScheduleName, error.ImageI, error.LoopI));
    }

    [Fact]
    public void AnUnusedUndefinedNameIsNotAnError()
    {
        // Python resolves names when they are evaluated, so a branch never taken may name anything.
        var schedule = Schedule.Parse("step_schedule", "missing if loop_i > 5 else 20");
        Assert.Equal(20, schedule.AsInt(1, 1));
        Assert.Throws<ScheduleEvaluationException>(() => schedule.AsInt(1, 6));
    }

    [Fact]
    public void EmptyScheduleMeansNoSchedule()
    {
        Assert.Null(Schedule.ParseOptional("prompt_schedule", ""));
        Assert.Null(Schedule.ParseOptional("prompt_schedule", null));
        Assert.NotNull(Schedule.ParseOptional("prompt_schedule", "'x'"));
    }
}
