using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using VideoLoopback.Video.Ffmpeg;
using VideoLoopback.Video.Generation;
using VideoLoopback.Video.Loopback;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>
/// <c>videoloopback bench render</c>: the loopback orchestration alone (fake generator): a generated 64-frame 256x256
/// video, loop_n 2, temporal window 3, batch blend 2; prints the render's memory estimate, frames/s and peak memory (with
/// <c>--frame-memory-budget-mb</c>, frames past the budget spill: the peak then stays flat as <c>--frames</c> grows).
/// </summary>
public sealed class BenchRenderCommand : Command<BenchRenderCommand.Settings>, IBenchCommand
{
    public static string Name => "render";
    public static string Description => "Orchestration alone: 64 frames 256x256, loop_n 2, temporal window 3, batch blend 2, fake generator.";

    public sealed class Settings : DeviceBenchSettings
    {
        [CommandOption("--frames <N>")][Description("Frames of the generated video (default 64).")]
        public int Frames { get; init; } = 64;
        [CommandOption("--size <PIXELS>")][Description("Width and height (default 256).")]
        public int Size { get; init; } = 256;
        [CommandOption("--frame-memory-budget-mb <MB>")][Description("The render's frame_memory_budget_mb (default automatic).")]
        public int? FrameMemoryBudgetMb { get; init; }
        [CommandOption("--with-video")][Description("Also encode the loop videos and the final video.")]
        public bool WithVideo { get; init; }
        [CommandOption("--sd")][Description("Part 2: the SD generator, full-size SD1.5 with random weights (128x128, loop_n 2, denoising 0.3).")]
        public bool StableDiffusion { get; init; }
        [CommandOption("--sd-frames <N>")][Description("Frames for --sd (default 8).")]
        public int SdFrames { get; init; } = 8;
        [CommandOption("--sd-steps <N>")][Description("Steps for --sd (default 10).")]
        public int SdSteps { get; init; } = 10;
        [CommandOption("--sd-size <PIXELS>")][Description("Width and height for --sd (default 128).")]
        public int SdSize { get; init; } = 128;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.StableDiffusion)
        {
            if (settings.Threads is { } sdThreads) set_num_threads(sdThreads);
            return BenchRenderSd.Run(settings.SdFrames, settings.SdSteps, settings.SdSize, settings.Compute, cancellationToken);
        }
        var folder = Directory.CreateTempSubdirectory("vl-bench-render-");
        try
        {
            var video = Path.Combine(folder.FullName, "input.mkv");
            FfmpegTool.Run("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                $"testsrc=size={settings.Size}x{settings.Size}:rate=30", "-frames:v", settings.Frames.ToString(CultureInfo.InvariantCulture),
                "-c:v", "ffv1", video);
            var job = new JobSpec
            {
                InputDir = video, OutputDir = Path.Combine(folder.FullName, "out"), Width = settings.Size, Height = settings.Size,
                LoopN = 2, TemporalSuperimposeAlphaList = "0.25,0.5,0.25", NIter = 2, Seed = 1, Subseed = 2, FixSeed = false,
                SaveEveryLoop = settings.WithVideo, Prompt = "bench", FrameMemoryBudgetMb = settings.FrameMemoryBudgetMb,
            };
            var device = settings.TorchDevice;
            if (settings.Threads is { } threads) set_num_threads(threads);
            // Warm-up (libtorch load, JIT) outside the timed run.
            using var generator = new FakeGenerator();
            new LoopbackEngine(job with { MaxFrames = 4, LoopN = 1, OutputDir = Path.Combine(folder.FullName, "warmup") }, generator,
                ScheduleCompilers.Default, device).Run(new RenderOptions { EncodeVideos = false }, cancellationToken);
            var engine = new LoopbackEngine(job, generator, ScheduleCompilers.Default, device);
            using var self = Process.GetCurrentProcess();
            var cpuBefore = self.TotalProcessorTime;
            // The peak of the timed render alone where the system allows resetting it (else since the process started).
            bool peakReset = ProcessMemory.TryResetPeak();
            long residentBefore = ProcessMemory.ResidentBytes();
            string? estimate = null;
            var clock = Stopwatch.StartNew();
            var result = engine.Run(new RenderOptions
            {
                EncodeVideos = settings.WithVideo,
                Warn = w => estimate ??= w.StartsWith("Memory estimate:", StringComparison.Ordinal) ? w : null,
            }, cancellationToken);
            clock.Stop();
            double seconds = clock.Elapsed.TotalSeconds;
            long frames = result.FramesRendered;
            self.Refresh();
            double cpuSeconds = (self.TotalProcessorTime - cpuBefore).TotalSeconds;
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench render: {settings.Frames} frames {settings.Size}x{settings.Size}, loop_n 2, temporal window 3, batch blend 2, fake generator, device {device.type}, {get_num_threads()} torch thread(s), PNG checkpoints{(settings.WithVideo ? " + videos" : "")}"));
            if (estimate is not null) AnsiConsole.WriteLine(estimate);
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"frames rendered  {frames} in {seconds:F2} s"));
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"frames/s         {frames / seconds:F1}"));
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cpu time         {cpuSeconds:F2} s ({frames / cpuSeconds:F1} frames per cpu-second; wall figures depend on other load)"));
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak memory      {self.PeakWorkingSet64 / (1024.0 * 1024.0):F0} MiB (process peak working set)"));
            const double MiB = 1024.0 * 1024.0;
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"peak host        {ProcessMemory.PeakResidentBytes() / MiB:F0} MiB resident ({(peakReset ? "during the render" : "since the process started")}; " +
                $"{residentBefore / MiB:F0} MiB before it); peak device = peak host on {device.type}"));
            return 0;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
