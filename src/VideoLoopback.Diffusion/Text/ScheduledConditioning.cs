using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>One entry of a prompt's schedule: <see cref="Cond"/> [77k,C] is used up to and including <see cref="EndAtStep"/>.</summary>
public readonly record struct ScheduledConditioning(int EndAtStep, Tensor Cond);
