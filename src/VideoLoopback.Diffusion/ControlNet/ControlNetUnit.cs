namespace VideoLoopback.Diffusion.ControlNet;

/// <summary>
/// One ControlNet of a generation: its model, the control image <c>[1 or B,3,H,W]</c> in [0,1] at 8x the latent size
/// (see <see cref="HintImage"/>), the weight, guidance start/end as fractions of the sampling steps, and the control mode.
/// </summary>
public sealed record ControlNetUnit(
    ControlNetModel Model,
    TorchSharp.torch.Tensor Hint,
    double Weight = 1.0,
    double GuidanceStart = 0.0,
    double GuidanceEnd = 1.0,
    ControlMode Mode = ControlMode.Balanced);
