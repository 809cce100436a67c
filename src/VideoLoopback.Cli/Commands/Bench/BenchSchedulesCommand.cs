using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;
using VideoLoopback.Video.Schedules;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>
/// Cost of the schedules per frame: the original extension's twelve placeholder expressions, parsed once and
/// evaluated for every (image_i, loop_i) of a synthetic render, as the engine does before each generation.
/// </summary>
public sealed class BenchSchedulesCommand : Command<BenchSchedulesCommand.Settings>, IBenchCommand
{
    public static string Name => "schedules";
    public static string Description => "Per-frame cost of evaluating the twelve schedules.";

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--frames")]
        [Description("Frames per loop (default 1000).")]
        public int Frames { get; init; } = 1000;

        [CommandOption("--loops")]
        [Description("Loops (default 10).")]
        public int Loops { get; init; } = 10;
    }

    private static readonly (string Name, string Expression)[] Placeholders =
    [
        (ScheduleNames.SubseedStrength, "(sin(pi*image_i/90)+1)/2*0.07"),
        (ScheduleNames.Denoising, "0.4 if loop_i<3 else 0.3"),
        (ScheduleNames.Step, "10 if loop_i<3 else 20"),
        (ScheduleNames.Seed, "[111,222,333][image_i//5%3]"),
        (ScheduleNames.Subseed, "112233+image_i*2"),
        (ScheduleNames.Cfg, "7 if image_i in {1,5,7} else 8"),
        (ScheduleNames.SuperimposeAlpha, "0.3 if loop_i<3 else 0.2 if loop_i<5 else 0.1"),
        (ScheduleNames.TemporalSuperimpose, "[0.1, 0.8, 0.1] if loop_i<=3 else [0.0, 1.0, 0.0]"),
        (ScheduleNames.Prompt, "['1girl,smile','1girl,closed mouth'][image_i//10%2]"),
        (ScheduleNames.NegativePrompt, "f' low quality, (blurry:{1.0+loop_i/30})'"),
        (ScheduleNames.BatchCount, "5 if loop_i<=5 else 1"),
        (ScheduleNames.ImagePostProcessing, "lambda img: img.filter(ImageFilter.EDGE_ENHANCE).filter(ImageFilter.SMOOTH) if loop_i in {6,8} else img "),
    ];

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Frames < 1 || settings.Loops < 1) throw new CommandLineException("--frames and --loops must be positive");

        var parseClock = Stopwatch.StartNew();
        var schedules = Placeholders.Select(p => Schedule.Parse(p.Name, p.Expression)).ToArray();
        parseClock.Stop();

        // One warm-up frame so the figures exclude JIT compilation.
        EvaluateFrame(schedules, 1, 1);
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        long checksum = 0;
        for (int loop = 1; loop <= settings.Loops; loop++)
            for (int image = 1; image <= settings.Frames; image++)
                checksum += EvaluateFrame(schedules, image, loop);
        clock.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        long frames = (long)settings.Frames * settings.Loops;
        BenchOutput.Line($"schedules: {schedules.Length} (the original's placeholders), parsed in {parseClock.Elapsed.TotalMilliseconds:F2} ms");
        BenchOutput.Line($"frames evaluated: {frames} ({settings.Loops} loops x {settings.Frames} frames), checksum {checksum}");
        BenchOutput.Line($"per frame (all {schedules.Length} schedules): {clock.Elapsed.TotalMicroseconds / frames:F2} us, {allocated / (double)frames:F0} bytes allocated");
        BenchOutput.Line($"frames/s: {frames / clock.Elapsed.TotalSeconds:F0}");
        return 0;
    }

    private static long EvaluateFrame(Schedule[] s, int image, int loop)
    {
        double sum = s[0].AsDouble(image, loop) + s[1].AsDouble(image, loop) + s[5].AsDouble(image, loop) + s[6].AsDouble(image, loop);
        long integers = s[2].AsInt(image, loop) + s[3].AsInt(image, loop) + s[4].AsInt(image, loop) + s[10].AsBatchCount(image, loop).Count;
        int lengths = s[7].AsDoubleList(image, loop).Count + s[8].AsString(image, loop).Length + s[9].AsString(image, loop).Length;
        int filters = s[11].AsFilterChain(image, loop)?.Steps.Count ?? 0;
        return (long)(sum * 1000) + integers + lengths + filters;
    }
}
