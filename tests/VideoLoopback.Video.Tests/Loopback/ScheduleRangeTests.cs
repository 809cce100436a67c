using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Generation;
using VideoLoopback.Video.Loopback;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>
/// Every schedule's value is checked for every frame of every loop before the first frame renders: a value out of range
/// at any of them is one error naming the key, the frame, the loop and the value; denoising above 1 is clamped as WebUI does.
/// </summary>
public sealed class ScheduleRangeTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-schedule-range-");

    private JobSpec Job() => new()
    {
        InputDir = GoldenData.Path("loopback", "inputs", "seq_rgb"),
        OutputDir = Path.Combine(_temp.FullName, "out"),
        Width = 32, Height = 24, LoopN = 10, Seed = 1, Subseed = 2,
    };

    private static string CheckFails(JobSpec job, int frames = 3) => Assert.Throws<JobException>(() =>
        ParameterSequence.CheckEveryFrame(job, job.GenerationParams(), ScheduleCompilers.Default, frames)).Message;

    [Fact]
    public void DenoisingAboveOneIsClampedAsWebUiDoes()
    {
        var job = Job() with { DenoisingSchedule = "0.2 + 0.1 * loop_i" };
        ParameterSequence.CheckEveryFrame(job, job.GenerationParams(), ScheduleCompilers.Default, 3);
        var sequence = new ParameterSequence(job, job.GenerationParams(), ScheduleCompilers.Default, null);
        Assert.Equal(0.5, sequence.Next(0, 2).Generation.DenoisingStrength, 12);
        Assert.Equal(1.0, sequence.Next(0, 9).Generation.DenoisingStrength);
    }

    [Fact]
    public void NegativeDenoisingInALaterLoopFailsBeforeRendering() =>
        Assert.Equal("denoising_schedule: gave -0.25 at image_i=1, loop_i=5; expected a number >= 0 (above 1 acts as 1)",
                     CheckFails(Job() with { DenoisingSchedule = "1 - loop_i / 4" }));

    [Fact]
    public void InfiniteCfgAtALaterFrameFails() =>
        Assert.Equal("cfg_schedule: gave inf at image_i=3, loop_i=1; expected a finite number",
                     CheckFails(Job() with { CfgSchedule = "7 if image_i < 3 else float('inf')" }));

    [Fact]
    public void NanCfgFails() =>
        Assert.Equal("cfg_schedule: gave nan at image_i=2, loop_i=4; expected a finite number",
                     CheckFails(Job() with { CfgSchedule = "float('nan') if (image_i, loop_i) == (2, 4) else 7" }));

    [Fact]
    public void StepsBelowOneFail() =>
        Assert.Equal("step_schedule: gave 0 at image_i=1, loop_i=2; expected at least 1",
                     CheckFails(Job() with { StepSchedule = "20 - 10 * loop_i" }));

    [Fact]
    public void SubseedStrengthAboveOneFails() =>
        Assert.Equal("subseed_strength_schedule: gave 1.5 at image_i=1, loop_i=3; expected a number in 0..1",
                     CheckFails(Job() with { SubseedStrengthSchedule = "loop_i / 2" }));

    [Fact]
    public void PlainSubseedStrengthOutsideItsRangeFailsValidation() =>
        Assert.Equal("subseed_strength: gave 1.5 at image_i=1, loop_i=1; expected a number in 0..1",
                     Assert.Throws<JobException>(() => JobValidator.Validate(Job() with { SubseedStrength = 1.5 }, ScheduleCompilers.Default)).Message);

    [Fact]
    public void NonFiniteSuperimposeAlphaFails() =>
        Assert.Equal("superimpose_alpha_schedule: gave -inf at image_i=3, loop_i=10; expected a finite number",
                     CheckFails(Job() with { SuperimposeAlphaSchedule = "-float('inf') if image_i * loop_i == 30 else 0.25" }));

    [Fact]
    public void AnErrorAtTheLastFrameOfTheLastLoopIsFound() =>
        Assert.Equal("cfg_schedule (image_i=3, loop_i=10): ZeroDivisionError: division by zero",
                     CheckFails(Job() with { CfgSchedule = "7 / (30 - image_i * loop_i)" }));

    [Fact]
    public void RenderStopsBeforeItsFirstFrame()
    {
        var job = Job() with { LoopN = 3, DenoisingSchedule = "0.4 - 0.15 * loop_i" };
        using var generator = new FakeGenerator();
        var error = Assert.Throws<JobException>(() =>
            new LoopbackEngine(job, generator, ScheduleCompilers.Default, CPU).Run(new RenderOptions { Timestamp = "run", EncodeVideos = false }));
        Assert.StartsWith("denoising_schedule: gave -0.0", error.Message);
        Assert.EndsWith(" at image_i=1, loop_i=3; expected a number >= 0 (above 1 acts as 1)", error.Message);
        Assert.False(Directory.Exists(job.OutputDir) && Directory.EnumerateFiles(job.OutputDir, "*.png", SearchOption.AllDirectories).Any());
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
