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
    /// <summary>True for DDIM, which runs on integer timesteps rather than sigmas (see <see cref="Ddim"/>).</summary>
    public bool IsTimestepSampler => Run is null;

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
        var sigmas = chosen?.Build is { } build ? build(n, model) : SigmaSchedules.Uniform(n, model);
        return discard ? SigmaSchedules.DiscardNextToLast(sigmas) : sigmas;
    }
}
