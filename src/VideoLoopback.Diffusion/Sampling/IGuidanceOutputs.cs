using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// The knobs a sampler may turn on classifier-free guidance (WebUI's CFGDenoiser.cond_scale_miltiplier and
/// need_last_noise_uncond/last_noise_uncond): scale the guidance strength, and keep the negative-prompt model
/// output of the latest call. CFG++ samplers use both.
/// </summary>
public interface IGuidanceOutputs
{
    /// <summary>Multiplies the CFG scale of every later call (1 = plain CFG).</summary>
    double CondScaleMultiplier { get; set; }

    /// <summary>When set, every call keeps a copy of its negative-prompt rows' output in <see cref="LastUnconditionalOutput"/>.</summary>
    bool KeepUnconditionalOutput { get; set; }

    /// <summary>The negative-prompt output [B,C,H,W] of the latest call; owned by the guidance, replaced at the next call.</summary>
    Tensor? LastUnconditionalOutput { get; }
}
