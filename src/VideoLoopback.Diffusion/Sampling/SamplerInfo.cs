using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// A sampler as WebUI lists it: its UI name, aliases, the scheduler "Automatic" means for it, whether
/// it discards the next-to-last sigma, whether it uses the eta noise seed delta, and how to run it.
/// </summary>
public sealed record SamplerInfo(
    string Name,
    string[] Aliases,
    Scheduler? DefaultScheduler,
    bool DiscardNextToLastSigma,
    bool UsesEnsd,
    bool SecondOrder,
    bool BrownianNoise,
    Func<SamplerContext, Tensor, Tensor>? Run)
{
    /// <summary>
    /// How a WebUI "timesteps" sampler (DDIM, DDIM CFG++, PLMS, UniPC) runs: on the eps model at timesteps rather than
    /// on a denoiser at sigmas; null for the k-diffusion style samplers (<see cref="Run"/>).
    /// </summary>
    public Func<TimestepSamplerContext, Tensor, Tensor>? RunTimesteps { get; init; }

    public bool IsTimestepSampler => RunTimesteps is not null;

    /// <summary>The fewest timesteps the sampler can be handed (UniPC: its order; WebUI stops with an assertion below it).</summary>
    public int MinimumTimesteps { get; init; } = 1;

    /// <summary>How the eps model becomes this sampler's denoiser (k-diffusion's CompVisDenoiser unless the sampler has its own, as LCM).</summary>
    public Func<ConditionedModel, DiscreteSchedule, ConditionedModel> WrapEpsModel { get; init; } = EpsDenoiser.Wrap;

    /// <summary>
    /// The sampler's own sigmas (its model wrapper's get_sigmas, as LCM), used for the Automatic and Uniform schedulers;
    /// null = the model's schedule.
    /// </summary>
    public Func<int, DiscreteSchedule, float[]>? OwnSigmas { get; init; }

    /// <summary>
    /// The sigmas WebUI's KDiffusionSampler.get_sigmas gives for <paramref name="steps"/>: the chosen
    /// scheduler ("Automatic" = this sampler's default; none = Uniform), built for steps+1 and the
    /// next-to-last dropped when this sampler discards it.
    /// </summary>
    public float[] GetSigmas(int steps, Scheduler? scheduler, DiscreteSchedule model, bool alwaysDiscardNextToLastSigma = false)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be ≥ 1");
        if (IsTimestepSampler) throw new InvalidOperationException($"sampler '{Name}' runs on timesteps, not sigmas");
        bool discard = DiscardNextToLastSigma || alwaysDiscardNextToLastSigma;
        int n = discard ? steps + 1 : steps;
        var chosen = scheduler is null || scheduler.IsAutomatic ? DefaultScheduler : scheduler;
        if (OwnSigmas is not null && chosen is not null && chosen.Name != Scheduler.Uniform.Name)
            throw new ArgumentException($"sampler '{Name}' runs on its own sigmas: use the Automatic or Uniform scheduler, not {chosen.Label}");
        var sigmas = chosen?.Build is { } build && OwnSigmas is null ? build(n, model) : (OwnSigmas ?? SigmaSchedules.Uniform)(n, model);
        return discard ? SigmaSchedules.DiscardNextToLast(sigmas) : sigmas;
    }
}
