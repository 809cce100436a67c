using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// Wraps an eps-prediction model (the SD1.x UNet) as a k-diffusion denoiser (k-diffusion's
/// CompVisDenoiser): the input is scaled by 1/sqrt(sigma²+1), sigma becomes the continuous timestep
/// of <see cref="DiscreteSchedule.SigmaToT(Tensor)"/>, and denoised = x − sigma·eps.
/// </summary>
public static class EpsDenoiser
{
    /// <param name="epsModel">eps(x_scaled [N,C,H,W], t [N], the rows' conditioning) → [N,C,H,W].</param>
    public static ConditionedModel Wrap(ConditionedModel epsModel, DiscreteSchedule schedule) =>
        (x, sigma, conditioning) =>
        {
            using var scope = NewDisposeScope();
            var s = sigma.reshape(-1, 1, 1, 1);
            var cIn = 1 / (s * s + 1).sqrt();
            var eps = epsModel(x * cIn, schedule.SigmaToT(sigma), conditioning);
            return (x + eps * -s).MoveToOuterDisposeScope();
        };
}
