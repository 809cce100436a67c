using VideoLoopback.Diffusion.Sampling;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// Which part of the schedule an img2img run samples, exactly as WebUI (setup_img2img_steps and
/// sample_img2img, img2img_fix_steps off): t_enc = int(min(denoising, 0.999)·steps); the sampler runs
/// t_enc + 1 steps over sigmas[steps − t_enc − 1 :], starting from init + noise·sigma_sched[0].
/// Denoising 1.0 is not special: it samples the full schedule but the init latent is still added.
/// </summary>
public sealed record Img2ImgSteps(int Steps, int TEnc, float[] SigmasFull, float[] Sigmas)
{
    /// <summary>Sampler steps actually run (launch_sampling's step count).</summary>
    public int SamplingSteps => TEnc + 1;

    /// <summary>The noise multiplier of the initial latent: xi = init + noise·NoiseScale.</summary>
    public double NoiseScale => Sigmas[0];

    /// <summary>The steps for a k-diffusion sampler (sigmas include the sampler's discard rule).</summary>
    public static Img2ImgSteps ForSigmas(SamplerInfo sampler, int steps, double denoising, Scheduler? scheduler, DiscreteSchedule model)
    {
        int tEnc = TEncFor(steps, denoising);
        var full = sampler.GetSigmas(steps, scheduler, model);
        return new Img2ImgSteps(steps, tEnc, full, full[(steps - tEnc - 1)..]);
    }

    /// <summary>
    /// Throws before any work when <paramref name="sampler"/> cannot run img2img with these settings: a timesteps sampler
    /// handed fewer than its minimum of timesteps (t_enc of them), or a sampler with its own sigmas under another scheduler.
    /// </summary>
    public static void CheckSampler(SamplerInfo sampler, Scheduler scheduler, int steps, double denoising)
    {
        int tEnc = TEncFor(steps, denoising);
        if (sampler.IsTimestepSampler && tEnc < sampler.MinimumTimesteps)
            throw new ArgumentException($"sampler '{sampler.Name}' needs at least {sampler.MinimumTimesteps} img2img steps, but {steps} steps "
                                        + $"at denoising strength {denoising} run {tEnc} (int(denoising × steps)); raise steps or denoising");
        if (sampler.OwnSigmas is not null) sampler.GetSigmas(steps, scheduler, DiscreteSchedule.Sd15);
    }

    /// <summary>t_enc for a run of <paramref name="steps"/> at <paramref name="denoising"/> strength; validates both.</summary>
    public static int TEncFor(int steps, double denoising)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be ≥ 1");
        if (!(denoising >= 0 && denoising <= 1)) throw new ArgumentOutOfRangeException(nameof(denoising), denoising, "denoising strength must lie in [0,1]");
        return (int)(Math.Min(denoising, 0.999) * steps);
    }
}

/// <summary>
/// The img2img steps of WebUI's timesteps samplers (DDIM, DDIM CFG++, PLMS, UniPC: CompVisSampler.sample_img2img):
/// timesteps_full from the txt2img rule, the run uses timesteps_full[:t_enc] and starts from
/// init·sqrt(ac[T]) + noise·sqrt(1 − ac[T]) with T = timesteps_full[t_enc]; the DDIM loop then makes t_enc − 1 model
/// calls, the first one timestep below the noising one (upstream quirk, kept). UniPC runs t_enc steps from one model
/// time step above timesteps_full[t_enc − 1].
/// </summary>
public sealed record DdimImg2ImgSteps(int Steps, int TEnc, int[] TimestepsFull, int[] Timesteps, double InitScale, double NoiseScale)
{
    public static DdimImg2ImgSteps For(int steps, double denoising, DiscreteSchedule model)
    {
        int tEnc = Img2ImgSteps.TEncFor(steps, denoising);
        var full = Ddim.Timesteps(steps, model);
        float ac = model.AlphasCumprod[full[tEnc]];
        return new DdimImg2ImgSteps(steps, tEnc, full, full[..tEnc], MathF.Sqrt(ac), MathF.Sqrt(1f - ac));
    }
}
