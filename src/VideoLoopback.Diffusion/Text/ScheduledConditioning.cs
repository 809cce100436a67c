using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// One entry of a prompt's schedule: <see cref="Cond"/> [77k,C] is used up to and including <see cref="EndAtStep"/>.
/// <see cref="Pooled"/> [P] is the pooled text embedding of families whose UNet also takes one (SDXL), else null.
/// </summary>
public readonly record struct ScheduledConditioning(int EndAtStep, Tensor Cond, Tensor? Pooled = null);
