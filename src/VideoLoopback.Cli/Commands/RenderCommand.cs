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
        [CommandOption("--controlnet <SPEC>")][Description("A ControlNet unit, repeatable: MODEL[,weight=1][,start=0][,end=1][,mode=balanced|prompt|controlnet][,resize=crop|just|fill]. Unit k reads the k-th reference folder, or the input frames when there is none.")]
        public string[]? ControlNets { get; init; }
        [CommandOption("--lora <NAME[:WEIGHT]>")][Description("A LoRA for every frame, repeatable (prompt tags <lora:name:weight> add to these).")]
        public string[]? Loras { get; init; }
        [CommandOption("--lora-dir <FOLDER>")][Description("Where LoRA names are looked up, recursively. Default weights/lora.")]
        public string? LoraDir { get; init; }
        [CommandOption("--no-video")][Description("Write the frames only, no mp4.")]
        public bool NoVideo { get; init; }

        [CommandOption("--input <PATH>")][Description("input_directory: a video file, a folder of images or one image.")]
        public string? Input { get; init; }
        [CommandOption("--output <FOLDER>")][Description("output_dir: each render goes to a new folder <output>/<timestamp>.")] public string? Output { get; init; }
        [CommandOption("--use-mask <BOOL>")][Description("Inpaint only where the mask is white (masks from --mask-dir, or the frames' alpha).")] public bool? UseMask { get; init; }
        [CommandOption("--mask-dir <PATH>")][Description("A folder of masks named like the frames, or one mask for all.")] public string? MaskDir { get; init; }
        [CommandOption("--mask-threshold <N>")][Description("Mask pixels above this (0-255) are repainted. Default 127.")] public int? MaskThreshold { get; init; }
        [CommandOption("--read-prompt-from-txt <BOOL>")][Description("Prompt per frame from a .txt beside each image (first line prompt, second negative).")] public bool? ReadPromptFromTxt { get; init; }
        [CommandOption("--output-frame-rate <FPS>")][Description("Frame rate of the written videos. Default 30.")] public double? OutputFrameRate { get; init; }
        [CommandOption("--max-frames <N>")][Description("Use at most N input frames.")] public int? MaxFrames { get; init; }
        [CommandOption("--extract-nth-frame <N>")][Description("Use every N-th input frame. Default 1.")] public int? ExtractNthFrame { get; init; }
        [CommandOption("--is-continue <BOOL>")][Description("The input is an earlier run's frames: take them all, no extraction.")] public bool? IsContinue { get; init; }
        [CommandOption("--loop-n <N>")][Description("Loops over the whole video. Default 10.")] public int? LoopN { get; init; }
        [CommandOption("--superimpose-alpha <A>")][Description("Weight of the frame before generation when blending the result onto it. Default 0.25.")] public double? SuperimposeAlpha { get; init; }
        [CommandOption("--fix-seed <BOOL>")][Description("Same seed for every frame (else seed + frame). Default true.")] public bool? FixSeed { get; init; }
        [CommandOption("--fix-subseed <BOOL>")][Description("Same variation seed for every frame.")] public bool? FixSubseed { get; init; }
        [CommandOption("--temporal-superimpose-method <METHOD>")][Description("simple, or 'with difference mask from reference'.")] public string? TemporalSuperimposeMethod { get; init; }
        [CommandOption("--temporal-superimpose-alpha-list <LIST>")][Description("Odd-length weights of neighbouring frames, e.g. 0.1,0.8,0.1. Default 1.")] public string? TemporalSuperimposeAlphaList { get; init; }
        [CommandOption("--reference-frames-directory <DIRS>")][Description("Control-image folders separated by !!!, one per --controlnet (the first is also the difference-mask reference).")]
        public string? ReferenceFramesDirectory { get; init; }
        [CommandOption("--save-every-loop <BOOL>")][Description("Write a video after every loop. Default true.")] public bool? SaveEveryLoop { get; init; }
        [CommandOption("--subseed-strength-schedule <EXPR>")][Description("Python expression of image_i, loop_i, ... per frame (see the README's schedules).")] public string? SubseedStrengthSchedule { get; init; }
        [CommandOption("--denoising-schedule <EXPR>")][Description("Denoising strength per frame, e.g. 0.4 if loop_i < 3 else 0.2.")] public string? DenoisingSchedule { get; init; }
        [CommandOption("--step-schedule <EXPR>")][Description("Sampling steps per frame.")] public string? StepSchedule { get; init; }
        [CommandOption("--seed-schedule <EXPR>")][Description("Seed per frame.")] public string? SeedSchedule { get; init; }
        [CommandOption("--subseed-schedule <EXPR>")][Description("Variation seed per frame.")] public string? SubseedSchedule { get; init; }
        [CommandOption("--cfg-schedule <EXPR>")][Description("CFG scale per frame.")] public string? CfgSchedule { get; init; }
        [CommandOption("--superimpose-alpha-schedule <EXPR>")][Description("Superimpose alpha per frame.")] public string? SuperimposeAlphaSchedule { get; init; }
        [CommandOption("--temporal-superimpose-schedule <EXPR>")][Description("Temporal alpha list per frame.")] public string? TemporalSuperimposeSchedule { get; init; }
        [CommandOption("--prompt-schedule <EXPR>")][Description("Prompt per frame (may hold <lora:name:weight> tags).")] public string? PromptSchedule { get; init; }
        [CommandOption("--negative-prompt-schedule <EXPR>")][Description("Negative prompt per frame.")] public string? NegativePromptSchedule { get; init; }
        [CommandOption("--batch-count-schedule <EXPR>")][Description("Batch count (images blended per frame) per frame.")] public string? BatchCountSchedule { get; init; }
        [CommandOption("--image-post-processing-schedule <EXPR>")][Description("PIL-style filter applied to each result, e.g. lambda img: img.filter(ImageFilter.SHARPEN).")] public string? ImagePostProcessingSchedule { get; init; }
        [CommandOption("--video-post-process-method <METHOD>")][Description("None or FastDVDNet (denoise each finished loop).")] public string? VideoPostProcessMethod { get; init; }
        [CommandOption("--video-post-process-alpha <A>")][Description("Weight of the denoised frame. Default 0.3.")] public double? VideoPostProcessAlpha { get; init; }
        [CommandOption("--fastdvdnet-noise-sigma <S>")][Description("FastDVDNet noise level, 0-255 scale. Default 60.")] public double? FastdvdnetNoiseSigma { get; init; }
        [CommandOption("--fastdvdnet-weights <PATH>")][Description("FastDVDNet weights, .pth or .safetensors (default weights/fastdvdnet/model.pth or model.safetensors).")]
        public string? FastdvdnetWeights { get; init; }

        [CommandOption("--prompt <TEXT>")][Description("Prompt, WebUI syntax: (word:1.2), [a:b:0.5], AND, <lora:name:0.8>.")] public string? Prompt { get; init; }
        [CommandOption("--negative-prompt <TEXT>")][Description("Negative prompt.")] public string? NegativePrompt { get; init; }
        [CommandOption("--seed <N>")][Description("-1 picks a random seed at the start. Default -1.")] public long? Seed { get; init; }
        [CommandOption("--subseed <N>")][Description("Variation seed; -1 picks one at random.")] public long? Subseed { get; init; }
        [CommandOption("--subseed-strength <S>")][Description("Variation strength 0..1. Default 0.")] public double? SubseedStrength { get; init; }
        [CommandOption("--cfg-scale <S>")][Description("Classifier-free guidance scale. Default 7.")] public double? CfgScale { get; init; }
        [CommandOption("--steps <N>")][Description("Sampling steps (img2img runs about steps x denoising of them). Default 20.")] public int? Steps { get; init; }
        [CommandOption("--denoising-strength <S>")][Description("0 keeps the frame, 1 ignores it. Default 0.4.")] public double? DenoisingStrength { get; init; }
        [CommandOption("--sampler-name <NAME>")][Description("WebUI sampler name, e.g. 'Euler a', 'DPM++ 2M', 'DPM++ 2M Karras'. Default Euler a.")] public string? SamplerName { get; init; }
        [CommandOption("--width <N>")][Description("Generation width, a multiple of 8. Default 512.")] public int? Width { get; init; }
        [CommandOption("--height <N>")][Description("Generation height, a multiple of 8. Default 512.")] public int? Height { get; init; }
        [CommandOption("--batch-size <N>")][Description("Images per sampler batch, blended into the frame. Default 1.")] public int? BatchSize { get; init; }
        [CommandOption("--batch-count <N>")][Description("n_iter: sampler batches per frame. Default 1.")] public int? BatchCount { get; init; }
        [CommandOption("--resize-mode <N>")][Description("0 just resize, 1 crop and resize, 2 resize and fill. Default 0.")] public int? ResizeMode { get; init; }
        [CommandOption("--clip-skip <N>")][Description("CLIP layers to skip from the end (1 = none). Default 1.")] public int? ClipSkip { get; init; }
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
            var generator = RenderGenerators.Create(settings.Generator, job, device, w => AnsiConsole.MarkupLine($"[yellow]Warning: {Markup.Escape(w)}[/]"));
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
            ControlNets = s.ControlNets is { Length: > 0 } units ? units.Select(ControlNetSpec.Parse).ToList() : job.ControlNets,
            Loras = s.Loras is { Length: > 0 } loras ? loras : job.Loras,
            LoraDir = s.LoraDir ?? job.LoraDir,
        };
        return (job, null);
    }
}
