using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using VideoLoopback.Video.Loopback;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands;

/// <summary>
/// <c>videoloopback render</c>: runs a loopback job given as options (the original's parameter names in kebab-case),
/// as a job file (ours or the original's settings JSON, as-is; options override it), or resumes a run folder.
/// </summary>
public sealed class RenderCommand : Command<RenderCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--job <FILE>")][Description("Job file: a settings JSON as the original writes it (or ours, the same format). Options override it.")]
        public string? Job { get; init; }
        [CommandOption("--resume <RUN_FOLDER>")][Description("Continue an interrupted render: its folder <output>/<timestamp>.")]
        public string? Resume { get; init; }
        [CommandOption("--generator <NAME>")][Description("fake (a deterministic dry run, seconds) or sd (Stable Diffusion). Default sd.")]
        public string Generator { get; init; } = "sd";
        [CommandOption("--device <DEVICE>")][Description("cpu or cuda (default: cuda when available).")]
        public string? Device { get; init; }
        [CommandOption("--model|--checkpoint <FILE>")][Description("SD checkpoint for --generator sd (default weights/v1-5-pruned-emaonly.safetensors).")] public string? Model { get; init; }
        [CommandOption("--generator-batch <N>")][Description("Frames per generator call (results do not depend on it). Default 8.")]
        public int? GeneratorBatch { get; init; }
        [CommandOption("--no-video")][Description("Write the frames only, no mp4.")]
        public bool NoVideo { get; init; }

        [CommandOption("--input <PATH>")][Description("input_directory: a video file, a folder of images or one image.")]
        public string? Input { get; init; }
        [CommandOption("--output <FOLDER>")] public string? Output { get; init; }
        [CommandOption("--use-mask <BOOL>")] public bool? UseMask { get; init; }
        [CommandOption("--mask-dir <PATH>")] public string? MaskDir { get; init; }
        [CommandOption("--mask-threshold <N>")] public int? MaskThreshold { get; init; }
        [CommandOption("--read-prompt-from-txt <BOOL>")] public bool? ReadPromptFromTxt { get; init; }
        [CommandOption("--output-frame-rate <FPS>")] public double? OutputFrameRate { get; init; }
        [CommandOption("--max-frames <N>")] public int? MaxFrames { get; init; }
        [CommandOption("--extract-nth-frame <N>")] public int? ExtractNthFrame { get; init; }
        [CommandOption("--is-continue <BOOL>")] public bool? IsContinue { get; init; }
        [CommandOption("--loop-n <N>")] public int? LoopN { get; init; }
        [CommandOption("--superimpose-alpha <A>")] public double? SuperimposeAlpha { get; init; }
        [CommandOption("--fix-seed <BOOL>")] public bool? FixSeed { get; init; }
        [CommandOption("--fix-subseed <BOOL>")] public bool? FixSubseed { get; init; }
        [CommandOption("--temporal-superimpose-method <METHOD>")] public string? TemporalSuperimposeMethod { get; init; }
        [CommandOption("--temporal-superimpose-alpha-list <LIST>")] public string? TemporalSuperimposeAlphaList { get; init; }
        [CommandOption("--reference-frames-directory <DIRS>")][Description("Folders separated by !!!")]
        public string? ReferenceFramesDirectory { get; init; }
        [CommandOption("--save-every-loop <BOOL>")] public bool? SaveEveryLoop { get; init; }
        [CommandOption("--subseed-strength-schedule <EXPR>")] public string? SubseedStrengthSchedule { get; init; }
        [CommandOption("--denoising-schedule <EXPR>")] public string? DenoisingSchedule { get; init; }
        [CommandOption("--step-schedule <EXPR>")] public string? StepSchedule { get; init; }
        [CommandOption("--seed-schedule <EXPR>")] public string? SeedSchedule { get; init; }
        [CommandOption("--subseed-schedule <EXPR>")] public string? SubseedSchedule { get; init; }
        [CommandOption("--cfg-schedule <EXPR>")] public string? CfgSchedule { get; init; }
        [CommandOption("--superimpose-alpha-schedule <EXPR>")] public string? SuperimposeAlphaSchedule { get; init; }
        [CommandOption("--temporal-superimpose-schedule <EXPR>")] public string? TemporalSuperimposeSchedule { get; init; }
        [CommandOption("--prompt-schedule <EXPR>")] public string? PromptSchedule { get; init; }
        [CommandOption("--negative-prompt-schedule <EXPR>")] public string? NegativePromptSchedule { get; init; }
        [CommandOption("--batch-count-schedule <EXPR>")] public string? BatchCountSchedule { get; init; }
        [CommandOption("--image-post-processing-schedule <EXPR>")] public string? ImagePostProcessingSchedule { get; init; }
        [CommandOption("--video-post-process-method <METHOD>")] public string? VideoPostProcessMethod { get; init; }
        [CommandOption("--video-post-process-alpha <A>")] public double? VideoPostProcessAlpha { get; init; }
        [CommandOption("--fastdvdnet-noise-sigma <S>")] public double? FastdvdnetNoiseSigma { get; init; }
        [CommandOption("--fastdvdnet-weights <PATH>")][Description("FastDVDNet weights, .pth or .safetensors (default weights/fastdvdnet/model.pth or model.safetensors).")]
        public string? FastdvdnetWeights { get; init; }

        [CommandOption("--prompt <TEXT>")] public string? Prompt { get; init; }
        [CommandOption("--negative-prompt <TEXT>")] public string? NegativePrompt { get; init; }
        [CommandOption("--seed <N>")] public long? Seed { get; init; }
        [CommandOption("--subseed <N>")] public long? Subseed { get; init; }
        [CommandOption("--subseed-strength <S>")] public double? SubseedStrength { get; init; }
        [CommandOption("--cfg-scale <S>")] public double? CfgScale { get; init; }
        [CommandOption("--steps <N>")] public int? Steps { get; init; }
        [CommandOption("--denoising-strength <S>")] public double? DenoisingStrength { get; init; }
        [CommandOption("--sampler-name <NAME>")] public string? SamplerName { get; init; }
        [CommandOption("--width <N>")] public int? Width { get; init; }
        [CommandOption("--height <N>")] public int? Height { get; init; }
        [CommandOption("--batch-size <N>")] public int? BatchSize { get; init; }
        [CommandOption("--batch-count <N>")][Description("n_iter")] public int? BatchCount { get; init; }
        [CommandOption("--resize-mode <N>")] public int? ResizeMode { get; init; }
        [CommandOption("--clip-skip <N>")] public int? ClipSkip { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // First Ctrl-C: finish the batch in flight, write its frames, stop. A second one ends the process.
            if (cancel.IsCancellationRequested) return;
            e.Cancel = true;
            cancel.Cancel();
            AnsiConsole.MarkupLine("[yellow]stopping after the current batch (Ctrl-C again to abort)...[/]");
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var (job, timestamp) = BuildJob(settings);
            var schedules = ScheduleCompilers.Default;
            foreach (var warning in JobValidator.Validate(job, schedules))
                AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(warning)}[/]");
            var device = SelectDevice(settings.Device);
            var generator = RenderGenerators.Create(settings.Generator, job, device);
            try
            {
                var engine = new LoopbackEngine(job, generator, schedules, device);
                var result = Render(engine, job, timestamp, settings, cancel.Token);
                if (result.Interrupted)
                {
                    AnsiConsole.MarkupLine($"[yellow]stopped[/] after {result.FramesRendered} frame(s); continue with: videoloopback render --resume \"{Markup.Escape(result.RunDirectory)}\" --generator {settings.Generator}");
                    return 130;
                }
                AnsiConsole.MarkupLine($"[green]done[/]: {result.FramesRendered} frame(s) in {Markup.Escape(result.RunDirectory)}");
                foreach (var video in result.Videos) AnsiConsole.MarkupLine($"  {Markup.Escape(video)}");
                return 0;
            }
            finally
            {
                (generator as IDisposable)?.Dispose();
            }
        }
        catch (Exception e) when (e is JobException or IOException or InvalidDataException or InvalidOperationException)
        {
            // Frames already written stay on disk; --resume continues from them.
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return 1;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static RenderResult Render(LoopbackEngine engine, JobSpec job, string? timestamp, Settings settings, CancellationToken cancel)
    {
        var options = new RenderOptions
        {
            Timestamp = timestamp,
            Resume = settings.Resume is not null,
            EncodeVideos = !settings.NoVideo,
            Warn = w => AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(w)}[/]"),
        };
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            // Plain progress lines when output is redirected (logs, CI).
            var last = DateTime.MinValue;
            return engine.Run(options with
            {
                Progress = new SyncProgress(p =>
                {
                    if (p.FramesDone == p.FramesTotal || DateTime.UtcNow - last > TimeSpan.FromSeconds(2))
                    {
                        last = DateTime.UtcNow;
                        Console.WriteLine(Describe(p));
                    }
                }),
            }, cancel);
        }
        RenderResult? result = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("starting", maxValue: 1);
                result = engine.Run(options with
                {
                    Progress = new SyncProgress(p =>
                    {
                        task.MaxValue = p.FramesTotal;
                        task.Value = p.FramesDone;
                        task.Description = Markup.Escape(Describe(p));
                    }),
                }, cancel);
            });
        return result!;
    }

    private static string Describe(RenderProgress p)
    {
        double rate = p.Elapsed.TotalSeconds > 0 ? p.FramesRenderedThisRun / p.Elapsed.TotalSeconds : 0;
        var eta = rate > 0 ? TimeSpan.FromSeconds((p.FramesTotal - p.FramesDone) / rate) : TimeSpan.Zero;
        return string.Create(CultureInfo.InvariantCulture,
            $"loop {p.Loop}/{p.LoopCount} frame {p.Frame}/{p.FrameCount}  {rate:F2} frames/s  ETA {eta:hh\\:mm\\:ss}");
    }

    private sealed class SyncProgress(Action<RenderProgress> report) : IProgress<RenderProgress>
    {
        public void Report(RenderProgress value) => report(value);
    }

    private static Device SelectDevice(string? name) => name switch
    {
        null => cuda.is_available() ? CUDA : CPU,
        "cpu" => CPU,
        "cuda" => cuda.is_available() ? CUDA : throw new JobException("--device cuda: no CUDA device is available"),
        _ => throw new JobException($"--device '{name}' is unknown, expected cpu or cuda"),
    };

    /// <summary>The job: the resumed run's settings, or the job file, then every option given on the command line.</summary>
    public static (JobSpec Job, string? Timestamp) BuildJob(Settings s)
    {
        if (s.Resume is not null)
        {
            var runDir = Path.TrimEndingDirectorySeparator(Path.GetFullPath(s.Resume));
            var timestamp = Path.GetFileName(runDir);
            var settingsFile = Path.Combine(runDir, timestamp + ".json");
            if (!File.Exists(settingsFile))
                throw new JobException($"--resume: '{settingsFile}' not found (expected the folder <output>/<timestamp> of a render)");
            var resumed = JobFile.Read(settingsFile) with { OutputDir = Path.GetDirectoryName(runDir)! };
            if (s.GeneratorBatch is { } gb) resumed = resumed with { GeneratorBatch = gb };
            if (s.FastdvdnetWeights is { } weights) resumed = resumed with { FastdvdnetWeights = weights };
            return (resumed, timestamp);
        }
        var job = s.Job is null ? new JobSpec() : JobFile.Read(s.Job);
        job = job with
        {
            InputDir = s.Input ?? job.InputDir,
            OutputDir = s.Output ?? job.OutputDir,
            UseMask = s.UseMask ?? job.UseMask,
            MaskDir = s.MaskDir ?? job.MaskDir,
            MaskThreshold = s.MaskThreshold ?? job.MaskThreshold,
            ReadPromptFromTxt = s.ReadPromptFromTxt ?? job.ReadPromptFromTxt,
            OutputFrameRate = s.OutputFrameRate ?? job.OutputFrameRate,
            MaxFrames = s.MaxFrames ?? job.MaxFrames,
            ExtractNthFrame = s.ExtractNthFrame ?? job.ExtractNthFrame,
            IsContinue = s.IsContinue ?? job.IsContinue,
            LoopN = s.LoopN ?? job.LoopN,
            SuperimposeAlpha = s.SuperimposeAlpha ?? job.SuperimposeAlpha,
            FixSeed = s.FixSeed ?? job.FixSeed,
            FixSubseed = s.FixSubseed ?? job.FixSubseed,
            TemporalSuperimposeMethod = s.TemporalSuperimposeMethod ?? job.TemporalSuperimposeMethod,
            TemporalSuperimposeAlphaList = s.TemporalSuperimposeAlphaList ?? job.TemporalSuperimposeAlphaList,
            ReferenceFramesDir = s.ReferenceFramesDirectory ?? job.ReferenceFramesDir,
            SaveEveryLoop = s.SaveEveryLoop ?? job.SaveEveryLoop,
            SubseedStrengthSchedule = s.SubseedStrengthSchedule ?? job.SubseedStrengthSchedule,
            DenoisingSchedule = s.DenoisingSchedule ?? job.DenoisingSchedule,
            StepSchedule = s.StepSchedule ?? job.StepSchedule,
            SeedSchedule = s.SeedSchedule ?? job.SeedSchedule,
            SubseedSchedule = s.SubseedSchedule ?? job.SubseedSchedule,
            CfgSchedule = s.CfgSchedule ?? job.CfgSchedule,
            SuperimposeAlphaSchedule = s.SuperimposeAlphaSchedule ?? job.SuperimposeAlphaSchedule,
            TemporalSuperimposeSchedule = s.TemporalSuperimposeSchedule ?? job.TemporalSuperimposeSchedule,
            PromptSchedule = s.PromptSchedule ?? job.PromptSchedule,
            NegativePromptSchedule = s.NegativePromptSchedule ?? job.NegativePromptSchedule,
            BatchCountSchedule = s.BatchCountSchedule ?? job.BatchCountSchedule,
            ImagePostProcessingSchedule = s.ImagePostProcessingSchedule ?? job.ImagePostProcessingSchedule,
            VideoPostProcessMethod = s.VideoPostProcessMethod ?? job.VideoPostProcessMethod,
            VideoPostProcessAlpha = s.VideoPostProcessAlpha ?? job.VideoPostProcessAlpha,
            FastdvdnetNoiseSigma = s.FastdvdnetNoiseSigma ?? job.FastdvdnetNoiseSigma,
            Prompt = s.Prompt ?? job.Prompt,
            NegativePrompt = s.NegativePrompt ?? job.NegativePrompt,
            Seed = s.Seed ?? job.Seed,
            Subseed = s.Subseed ?? job.Subseed,
            SubseedStrength = s.SubseedStrength ?? job.SubseedStrength,
            CfgScale = s.CfgScale ?? job.CfgScale,
            Steps = s.Steps ?? job.Steps,
            DenoisingStrength = s.DenoisingStrength ?? job.DenoisingStrength,
            SamplerName = s.SamplerName ?? job.SamplerName,
            Width = s.Width ?? job.Width,
            Height = s.Height ?? job.Height,
            BatchSize = s.BatchSize ?? job.BatchSize,
            NIter = s.BatchCount ?? job.NIter,
            ResizeMode = s.ResizeMode ?? job.ResizeMode,
            ClipSkip = s.ClipSkip ?? job.ClipSkip,
            Model = s.Model ?? job.Model,
            GeneratorBatch = s.GeneratorBatch ?? job.GeneratorBatch,
            FastdvdnetWeights = s.FastdvdnetWeights ?? job.FastdvdnetWeights,
        };
        return (job, null);
    }
}
