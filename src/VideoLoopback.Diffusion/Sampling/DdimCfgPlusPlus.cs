using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// "DDIM CFG++" as WebUI v1.10 runs it (sd_samplers_timesteps_impl.ddim_cfgpp, after CFG++: manifold-constrained
/// classifier-free guidance, 2024): the DDIM walk of <see cref="Ddim"/>, with the guidance scale divided by 12.5
/// (so CFG 0…12.5 maps to 0…1) and the step back to x_t taken along the negative prompt's eps instead of the
/// guided one. The predicted x0 still uses the guided eps. Draws a noise tensor every step like DDIM.
/// </summary>
public static class DdimCfgPlusPlus
{
    /// <summary>WebUI's factor on the CFG scale (1 / 12.5).</summary>
    public const double CondScaleMultiplier = 1 / 12.5;

    public static Tensor Sample(TimestepSamplerContext c, Tensor input)
    {
        var guidance = c.Guidance
            ?? throw new InvalidOperationException("DDIM CFG++ needs classifier-free guidance that exposes its negative-prompt output");
        guidance.CondScaleMultiplier = CondScaleMultiplier;
        guidance.KeepUnconditionalOutput = true;
        return Ddim.Walk(c.Model, input, c.Timesteps, c.Schedule, c.RandnLike, c.Eta, c.Callback,
            _ => guidance.LastUnconditionalOutput
                 ?? throw new InvalidOperationException("the guidance kept no negative-prompt output for DDIM CFG++"));
    }
}
