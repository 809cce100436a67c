using VideoLoopback.Diffusion.Text;
using VideoLoopback.Video.Generation;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// The original's per-frame parameter state: schedules evaluated in its order with 1-based image_i/loop_i, values kept
/// from frame to frame and loop to loop, prompt files applied last, and seed progression after each frame.
/// None of it depends on generated pixels, so a whole batch of frames can be planned before generating, and every
/// frame of every loop can be checked before the first one renders (<see cref="CheckEveryFrame"/>).
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

    /// <summary>
    /// WebUI takes t_enc = int(min(denoising, 0.999) * steps), so a scheduled strength above 1 samples as 1 does;
    /// below 0 (or NaN) it has no meaning.
    /// </summary>
    private static double ClampedDenoising(double value, int imageI, int loopI)
    {
        if (!(value >= 0)) throw OutOfRange(nameof(JobSpec.DenoisingSchedule), PythonFloat.Repr(value), imageI, loopI, "a number >= 0 (above 1 acts as 1)");
        return Math.Min(value, 1.0);
    }

    /// <summary>The ranges the generator needs, checked for every frame with the key (schedule) that gave the value.</summary>
    private void CheckRanges(FrameGenerationParams p, int imageI, int loopI)
    {
        if (!(p.SubseedStrength is >= 0 and <= 1))
            throw OutOfRange(Source(nameof(JobSpec.SubseedStrengthSchedule), nameof(JobSpec.SubseedStrength)), PythonFloat.Repr(p.SubseedStrength),
                imageI, loopI, "a number in 0..1");
        if (!double.IsFinite(p.CfgScale))
            throw OutOfRange(Source(nameof(JobSpec.CfgSchedule), nameof(JobSpec.CfgScale)), PythonFloat.Repr(p.CfgScale), imageI, loopI, "a finite number");
        if (p.Steps < 1)
            throw OutOfRange(nameof(JobSpec.StepSchedule), p.Steps.ToString(System.Globalization.CultureInfo.InvariantCulture), imageI, loopI, "at least 1");
        if (!double.IsFinite(_superimposeAlpha))
            throw OutOfRange(Source(nameof(JobSpec.SuperimposeAlphaSchedule), nameof(JobSpec.SuperimposeAlpha)), PythonFloat.Repr(_superimposeAlpha),
                imageI, loopI, "a finite number");
        foreach (var weight in _temporalAlphas)
            if (!double.IsFinite(weight))
                throw OutOfRange(Source(nameof(JobSpec.TemporalSuperimposeSchedule), nameof(JobSpec.TemporalSuperimposeAlphaList)), PythonFloat.Repr(weight),
                imageI, loopI, "finite weights");
    }

    /// <summary>The schedule's property when it is set, else the plain key's.</summary>
    private string Source(string scheduleProperty, string keyProperty) => _schedules.ContainsKey(scheduleProperty) ? scheduleProperty : keyProperty;

    private static JobException OutOfRange(string property, string value, int imageI, int loopI, string expected) =>
        new($"{JobParameters.Of(property).Key}: gave {value} at image_i={imageI}, loop_i={loopI}; expected {expected}");

    private static int ToInt(long value, string property) => value is >= int.MinValue and <= int.MaxValue
        ? (int)value
        : throw new JobException($"{JobParameters.Of(property).Key}: {value} is out of range");

    /// <summary>
    /// Replays the sequence over all <paramref name="frameCount"/> frames of every loop, so that a schedule failing or
    /// leaving its range at any of them (a cfg_schedule dividing by zero at the last frame, a subseed strength passing 1
    /// in loop 8) stops the render before its first frame instead of hours into it.
    /// </summary>
    public static void CheckEveryFrame(JobSpec job, FrameGenerationParams startParams, IScheduleCompiler compiler, int frameCount)
    {
        var sequence = new ParameterSequence(job, startParams, compiler, null);
        for (int loop = 0; loop < job.LoopN; loop++)
            for (int i = 0; i < frameCount; i++)
                sequence.Next(i, loop);
    }

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
            p = p with { DenoisingStrength = ClampedDenoising(denoising.AsDouble(imageI, loopI), imageI, loopI) };
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
        CheckRanges(p, imageI, loopI);
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
