using VideoLoopback.Video.Generation;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// The original's per-frame parameter state: schedules evaluated in its order with 1-based image_i/loop_i, values kept
/// from frame to frame and loop to loop, prompt files applied last, and seed progression after each frame.
/// None of it depends on generated pixels, so a whole batch of frames can be planned before generating.
/// </summary>
public sealed class ParameterSequence
{
    private readonly JobSpec _job;
    private readonly IReadOnlyList<(string? Prompt, string? Negative)>? _promptFiles;
    /// <summary>The job's schedules that are set, compiled, by their <see cref="JobSpec"/> property name.</summary>
    private readonly Dictionary<string, ICompiledSchedule> _schedules;

    private FrameGenerationParams _p;
    private double _superimposeAlpha;
    private IReadOnlyList<double> _temporalAlphas;

    /// <param name="startParams">WebUI's p after fix_seed (seeds resolved).</param>
    /// <param name="promptFiles">Per loop-1 input frame prompt files when read_prompt_from_txt, else null.</param>
    public ParameterSequence(JobSpec job, FrameGenerationParams startParams, IScheduleCompiler compiler,
        IReadOnlyList<(string? Prompt, string? Negative)>? promptFiles)
    {
        _job = job;
        _p = startParams;
        _promptFiles = promptFiles;
        _superimposeAlpha = job.SuperimposeAlpha;
        _temporalAlphas = job.TemporalAlphas();
        // Compiled in the table's order, which is the original's: the first bad expression is the one reported.
        _schedules = JobParameters.Schedules.Select(schedule => (schedule, Expression: (string)schedule.Get(job)!))
            .Where(s => s.Expression.Length > 0)
            .ToDictionary(s => s.schedule.PropertyName, s => compiler.Compile(s.schedule.Key, s.Expression));
    }

    private static int ToInt(long value, string property) => value is >= int.MinValue and <= int.MaxValue
        ? (int)value
        : throw new JobException($"{JobParameters.Of(property).Key}: {value} is out of range");

    private ICompiledSchedule? Schedule(string property) => _schedules.GetValueOrDefault(property);

    /// <summary>The current img2img settings (after the last frame's seed progression).</summary>
    public FrameGenerationParams Current => _p;

    /// <summary>Settings of frame <paramref name="imageIndex"/> (0-based) of loop <paramref name="loopIndex"/> (0-based); advances the seeds.</summary>
    public FrameSettings Next(int imageIndex, int loopIndex)
    {
        int imageI = imageIndex + 1, loopI = loopIndex + 1;
        var p = _p;
        if (Schedule(nameof(JobSpec.SubseedStrengthSchedule)) is { } subseedStrength)
            p = p with { SubseedStrength = subseedStrength.AsDouble(imageI, loopI) };
        if (Schedule(nameof(JobSpec.DenoisingSchedule)) is { } denoising)
            p = p with { DenoisingStrength = denoising.AsDouble(imageI, loopI) };
        if (Schedule(nameof(JobSpec.StepSchedule)) is { } steps)
            p = p with { Steps = ToInt(steps.AsInt(imageI, loopI), nameof(JobSpec.StepSchedule)) };
        var seed = Schedule(nameof(JobSpec.SeedSchedule));
        if (seed != null)
            p = p with { Seed = seed.AsInt(imageI, loopI) };
        var subseed = Schedule(nameof(JobSpec.SubseedSchedule));
        if (subseed != null)
            p = p with { Subseed = subseed.AsInt(imageI, loopI) };
        if (Schedule(nameof(JobSpec.CfgSchedule)) is { } cfg)
            p = p with { CfgScale = cfg.AsDouble(imageI, loopI) };
        if (Schedule(nameof(JobSpec.SuperimposeAlphaSchedule)) is { } superimpose)
            _superimposeAlpha = superimpose.AsDouble(imageI, loopI);
        if (Schedule(nameof(JobSpec.TemporalSuperimposeSchedule)) is { } temporal)
        {
            var list = temporal.AsDoubleList(imageI, loopI);
            if (list.Count != _temporalAlphas.Count)
                throw new JobException($"temporal_superimpose_schedule: gave {list.Count} weights at image_i={imageI}, loop_i={loopI}; " +
                                       $"expected {_temporalAlphas.Count} (the length of temporal_superimpose_alpha_list)");
            _temporalAlphas = list;
        }
        var promptSchedule = Schedule(nameof(JobSpec.PromptSchedule));
        if (promptSchedule != null)
            p = p with { Prompt = promptSchedule.AsString(imageI, loopI) };
        var negativeSchedule = Schedule(nameof(JobSpec.NegativePromptSchedule));
        if (negativeSchedule != null)
            p = p with { NegativePrompt = negativeSchedule.AsString(imageI, loopI) };
        if (Schedule(nameof(JobSpec.BatchCountSchedule)) is { } batchCount)
        {
            var (count, size) = batchCount.AsBatchCount(imageI, loopI);
            const string name = nameof(JobSpec.BatchCountSchedule);
            p = p with { BatchCount = ToInt(count, name), BatchSize = size is { } b ? ToInt(b, name) : p.BatchSize };
            if (p.BatchCount < 1 || p.BatchSize < 1)
                throw new JobException($"batch_count_schedule: gave batch_count {p.BatchCount}, batch_size {p.BatchSize} at image_i={imageI}, loop_i={loopI}; both must be at least 1");
        }
        var post = Schedule(nameof(JobSpec.ImagePostProcessingSchedule))?.AsPostProcessor(imageI, loopI);
        if (_promptFiles != null)
        {
            var (prompt, negative) = _promptFiles[imageIndex];
            if (prompt != null) p = p with { Prompt = prompt };
            else if (promptSchedule == null) p = p with { Prompt = _job.Prompt };
            if (negative != null) p = p with { NegativePrompt = negative };
            else if (negativeSchedule == null) p = p with { NegativePrompt = _job.NegativePrompt };
        }

        var settings = new FrameSettings(p, _superimposeAlpha, _temporalAlphas, post);

        // Seed progression: processed.seed is p.seed at call time, so it is known before generating.
        int images = p.BatchCount * p.BatchSize;
        if (!_job.FixSeed && seed == null) p = p with { Seed = p.Seed + images };
        if (!_job.FixSubseed && subseed == null) p = p with { Subseed = p.Subseed + images };
        _p = p;
        return settings;
    }
}
