namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// Keys real model files carry that inference never needs: diffusion schedule buffers (LDM's and sgm's), EMA copies,
/// CLIP's position_ids buffer, VAE training-loss modules, BatchNorm batch counters. They are reported
/// as ignored, never as unexpected.
/// </summary>
public static class ToleratedKeys
{
    private static readonly HashSet<string> ScheduleBuffers = new(StringComparer.Ordinal)
    {
        "betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod",
        "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod", "posterior_variance",
        "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2", "lvlb_weights", "logvar",
    };

    public static bool IsTolerated(string name) =>
        ScheduleBuffers.Contains(name)
        || name.StartsWith("model_ema.", StringComparison.Ordinal)
        // sgm's DiscreteDenoiser registers its sigma table, so SDXL files may carry it.
        || name.StartsWith("denoiser.", StringComparison.Ordinal)
        || name.StartsWith("loss.", StringComparison.Ordinal)
        || name.StartsWith("first_stage_model.loss.", StringComparison.Ordinal)
        || name.EndsWith("position_ids", StringComparison.Ordinal)
        || name.EndsWith(".num_batches_tracked", StringComparison.Ordinal);
}
