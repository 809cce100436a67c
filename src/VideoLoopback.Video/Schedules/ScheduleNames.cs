namespace VideoLoopback.Video.Schedules;

/// <summary>The original extension's twelve schedules, in the order it evaluates them for each frame.</summary>
public static class ScheduleNames
{
    public const string SubseedStrength = "subseed_strength_schedule";
    public const string Denoising = "denoising_schedule";
    public const string Step = "step_schedule";
    public const string Seed = "seed_schedule";
    public const string Subseed = "subseed_schedule";
    public const string Cfg = "cfg_schedule";
    public const string SuperimposeAlpha = "superimpose_alpha_schedule";
    public const string TemporalSuperimpose = "temporal_superimpose_schedule";
    public const string Prompt = "prompt_schedule";
    public const string NegativePrompt = "negative_prompt_schedule";
    public const string BatchCount = "batch_count_schedule";
    public const string ImagePostProcessing = "image_post_processing_schedule";

    public static readonly IReadOnlyList<string> InEvaluationOrder =
    [
        SubseedStrength, Denoising, Step, Seed, Subseed, Cfg, SuperimposeAlpha, TemporalSuperimpose,
        Prompt, NegativePrompt, BatchCount, ImagePostProcessing,
    ];
}
