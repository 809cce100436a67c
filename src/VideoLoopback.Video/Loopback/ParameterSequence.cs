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
    private readonly ICompiledSchedule? _subseedStrength, _denoising, _steps, _seed, _subseed, _cfg, _superimpose,
        _temporal, _prompt, _negative, _batchCount, _postProcessing;

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
        ICompiledSchedule? C(string property)
        {
            var schedule = JobParameters.Of(property);
            var expression = (string)schedule.Get(job)!;
            return expression.Length == 0 ? null : compiler.Compile(schedule.Key, expression);
        }
        _subseedStrength = C(nameof(JobSpec.SubseedStrengthSchedule));
        _denoising = C(nameof(JobSpec.DenoisingSchedule));
        _steps = C(nameof(JobSpec.StepSchedule));
        _seed = C(nameof(JobSpec.SeedSchedule));
        _subseed = C(nameof(JobSpec.SubseedSchedule));
        _cfg = C(nameof(JobSpec.CfgSchedule));
        _superimpose = C(nameof(JobSpec.SuperimposeAlphaSchedule));
        _temporal = C(nameof(JobSpec.TemporalSuperimposeSchedule));
        _prompt = C(nameof(JobSpec.PromptSchedule));
        _negative = C(nameof(JobSpec.NegativePromptSchedule));
        _batchCount = C(nameof(JobSpec.BatchCountSchedule));
        _postProcessing = C(nameof(JobSpec.ImagePostProcessingSchedule));
    }

    private static int ToInt(long value, string property) => value is >= int.MinValue and <= int.MaxValue
        ? (int)value
        : throw new JobException($"{JobParameters.Of(property).Key}: {value} is out of range");

    /// <summary>The current img2img settings (after the last frame's seed progression).</summary>
    public FrameGenerationParams Current => _p;

    /// <summary>Settings of frame <paramref name="imageIndex"/> (0-based) of loop <paramref name="loopIndex"/> (0-based); advances the seeds.</summary>
    public FrameSettings Next(int imageIndex, int loopIndex)
    {
        int imageI = imageIndex + 1, loopI = loopIndex + 1;
        var p = _p;
        if (_subseedStrength != null)
            p = p with { SubseedStrength = _subseedStrength.AsDouble(imageI, loopI) };
        if (_denoising != null)
            p = p with { DenoisingStrength = _denoising.AsDouble(imageI, loopI) };
        if (_steps != null)
            p = p with { Steps = ToInt(_steps.AsInt(imageI, loopI), nameof(JobSpec.StepSchedule)) };
        if (_seed != null)
            p = p with { Seed = _seed.AsInt(imageI, loopI) };
        if (_subseed != null)
            p = p with { Subseed = _subseed.AsInt(imageI, loopI) };
        if (_cfg != null)
            p = p with { CfgScale = _cfg.AsDouble(imageI, loopI) };
        if (_superimpose != null)
            _superimposeAlpha = _superimpose.AsDouble(imageI, loopI);
        if (_temporal != null)
        {
            var list = _temporal.AsDoubleList(imageI, loopI);
            if (list.Count != _temporalAlphas.Count)
                throw new JobException($"temporal_superimpose_schedule: gave {list.Count} weights at image_i={imageI}, loop_i={loopI}; " +
                                       $"expected {_temporalAlphas.Count} (the length of temporal_superimpose_alpha_list)");
            _temporalAlphas = list;
        }
        if (_prompt != null)
            p = p with { Prompt = _prompt.AsString(imageI, loopI) };
        if (_negative != null)
            p = p with { NegativePrompt = _negative.AsString(imageI, loopI) };
        if (_batchCount != null)
        {
            var (count, size) = _batchCount.AsBatchCount(imageI, loopI);
            p = p with { BatchCount = ToInt(count, nameof(JobSpec.BatchCountSchedule)), BatchSize = size is { } b ? ToInt(b, nameof(JobSpec.BatchCountSchedule)) : p.BatchSize };
            if (p.BatchCount < 1 || p.BatchSize < 1)
                throw new JobException($"batch_count_schedule: gave batch_count {p.BatchCount}, batch_size {p.BatchSize} at image_i={imageI}, loop_i={loopI}; both must be at least 1");
        }
        var post = _postProcessing?.AsPostProcessor(imageI, loopI);
        if (_promptFiles != null)
        {
            var (prompt, negative) = _promptFiles[imageIndex];
            if (prompt != null) p = p with { Prompt = prompt };
            else if (_prompt == null) p = p with { Prompt = _job.Prompt };
            if (negative != null) p = p with { NegativePrompt = negative };
            else if (_negative == null) p = p with { NegativePrompt = _job.NegativePrompt };
        }

        var settings = new FrameSettings(p, _superimposeAlpha, _temporalAlphas, post);

        // Seed progression: processed.seed is p.seed at call time, so it is known before generating.
        int images = p.BatchCount * p.BatchSize;
        if (!_job.FixSeed && _seed == null) p = p with { Seed = p.Seed + images };
        if (!_job.FixSubseed && _subseed == null) p = p with { Subseed = p.Subseed + images };
        _p = p;
        return settings;
    }
}
