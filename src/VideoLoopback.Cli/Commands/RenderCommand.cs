using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using VideoLoopback.Video.Generation;
using VideoLoopback.Video.Loopback;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands;

/// <summary>
/// <c>videoloopback render</c>: runs a loopback job given as options (the original's parameter names in kebab-case),
/// as a job file (ours or the original's settings JSON, as-is; options override it), or resumes a run folder.
/// </summary>
public sealed class RenderCommand : Command<RenderCommand.Settings>
{
    /// <summary>The command's own options. Each job parameter's option (<see cref="JobParameters"/>) arrives as a remaining
    /// argument; <see cref="RenderHelpProvider"/> lists them in the help.</summary>
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--job <FILE>")][Description("Job file: a settings JSON as the original writes it (or ours, the same format). Options override it.")]
        public string? Job { get; init; }
        [CommandOption("--resume <RUN_FOLDER>")][Description("Continue an interrupted render: its folder <output>/<timestamp>.")]
        public string? Resume { get; init; }
        [CommandOption("--generator <NAME>")]
        [Description("fake (a deterministic dry run, seconds) or sd (Stable Diffusion). Default sd; with --resume, the run's.")]
        public string? Generator { get; init; }
        [CommandOption("--device <DEVICE>")][Description("cpu, cuda or cuda:N (default: cuda when libtorch sees a CUDA device, else cpu; the choice is printed).")]
        public string? Device { get; init; }
        [CommandOption("--dtype <DTYPE>")]
        [Description("Compute dtype of --generator sd: fp32, bf16 or fp16. Default fp32 on the CPU (faithful to the reference), fp16 on CUDA; with --resume, the run's. bf16 needs a GPU or a CPU with avx512_bf16 or AMX (about 2x faster there, within the tolerances README states); fp16 on a CPU works but is slow.")]
        public string? Dtype { get; init; }
        [CommandOption("--no-video")][Description("Write the frames only, no mp4.")]
        public bool NoVideo { get; init; }
        [CommandOption("--no-preview")][Description("No preview.png in the run folder (with --generator sd it shows the frame being sampled, once a second).")]
        public bool NoPreview { get; init; }
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
        RunFolder? claimed = null;
        try
        {
            var (job, timestamp) = BuildJob(settings, context.Remaining.Parsed);
            var record = settings.Resume is null ? null : ResumeRecord.Read(new RunFolder(Path.GetFullPath(settings.Resume)));
            var generatorName = record?.ResumeGenerator(settings.Generator) ?? settings.Generator ?? "sd";
            // Named in the record, so a resume from another directory loads the same file.
            if (settings.Resume is null && generatorName == "sd") job = job with { Model = job.Model ?? RenderGenerators.DefaultCheckpoint };
            var schedules = ScheduleCompilers.Default;
            foreach (var warning in JobValidator.Validate(job, schedules))
                AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(warning)}[/]");
            var choice = DeviceChoice.Select(settings.Device);
            AnsiConsole.WriteLine(choice.Line);
            if (choice.Warning is { } deviceWarning) AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(deviceWarning)}[/]");
            var device = choice.Device;
            var dtypeOption = RenderGenerators.DtypeRecordName(settings.Dtype);
            var dtype = RenderGenerators.ResolveDtype(record is null ? dtypeOption : record.ResumeDtype(dtypeOption), device);
            // A new run folder is claimed now, so the preview knows where to go before the engine starts.
            var run = settings.Resume is null ? claimed = RunFolder.Claim(job.OutputDir, RenderOptions.Now()) : RunFolder.For(job.OutputDir, timestamp!);
            var preview = settings.NoPreview ? null : new LatentPreview(Path.Combine(run.Directory, "preview.png"));
            using var generator = RenderGenerators.Create(generatorName, job, device,
                w => AnsiConsole.MarkupLine($"[yellow]Warning: {Markup.Escape(w)}[/]"), preview is null ? null : preview.OnStep, dtype);
            var engine = new LoopbackEngine(job, generator, schedules, device);
            var options = new RenderOptions
            {
                Timestamp = run.Timestamp, Resume = settings.Resume is not null, EncodeVideos = !settings.NoVideo,
                Run = settings.Resume is null ? run : null, Generator = generatorName,
                Dtype = generatorName != "sd" ? "" : Diffusion.Nn.ComputePrecision.RecordName(dtype),
                Warn = w => AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(w)}[/]"),
            };
            var result = Render(engine, options, cancel.Token);
            claimed = null;
            if (result.Interrupted)
            {
                AnsiConsole.MarkupLine($"[yellow]stopped[/] after {result.FramesRendered} frame(s); continue with: videoloopback render --resume \"{Markup.Escape(result.RunDirectory)}\" --generator {generatorName}");
                return 130;
            }
            AnsiConsole.MarkupLine($"[green]done[/]: {result.FramesRendered} frame(s) in {Markup.Escape(result.RunDirectory)}");
            foreach (var video in result.Videos) AnsiConsole.MarkupLine($"  {Markup.Escape(video)}");
            return 0;
        }
        // An exception is reported as one error line (ErrorLine); frames already written stay on disk for --resume.
        finally
        {
            // A start that failed before the engine wrote anything leaves no empty run folder behind.
            claimed?.ReleaseUnused();
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static RenderResult Render(LoopbackEngine engine, RenderOptions options, CancellationToken cancel)
    {
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

    private sealed class SyncProgress(Action<RenderProgress> report) : IProgress<RenderProgress> { public void Report(RenderProgress p) => report(p); }

    /// <summary>The job: the resumed run's settings, or the job file, then the job parameter options (by name, values in order).</summary>
    public static (JobSpec Job, string? Timestamp) BuildJob(Settings s, IEnumerable<IGrouping<string, string?>> options)
    {
        if (s.Resume is not null)
        {
            var run = new RunFolder(Path.GetFullPath(s.Resume));
            if (!File.Exists(run.SettingsFile))
                throw new JobException($"--resume: '{run.SettingsFile}' not found (expected the folder <output>/<timestamp> of a render)");
            var outputDir = Path.GetDirectoryName(run.Directory)!;
            // A run with a record resumes exactly as recorded; one made before records from its settings, as it always did.
            if (ResumeRecord.Read(run) is { } record) return (record.Resume(options, outputDir), run.Timestamp);
            var resumed = JobFile.Read(run.SettingsFile) with { OutputDir = outputDir };
            return (JobParameters.ApplyOptions(resumed, options, resuming: true), run.Timestamp);
        }
        var job = s.Job is null ? new JobSpec() : JobFile.Read(s.Job);
        return (JobParameters.ApplyOptions(job, options), null);
    }
}
