using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// Wraps an eps-prediction model (the SD1.x UNet) as a k-diffusion denoiser (k-diffusion's
/// CompVisDenoiser): the input is scaled by 1/sqrt(sigma²+1), sigma becomes the continuous timestep
/// of <see cref="DiscreteSchedule.SigmaToT(Tensor)"/>, and denoised = x − sigma·eps.
/// </summary>
public static class EpsDenoiser
{
    /// <param name="epsModel">eps(x_scaled [N,C,H,W], t [N], text rows [N,T,D], image conditioning rows or null) → [N,C,H,W].</param>
    public static Func<Tensor, Tensor, Tensor, Tensor?, Tensor> Wrap(
        Func<Tensor, Tensor, Tensor, Tensor?, Tensor> epsModel, DiscreteSchedule schedule) =>
        (x, sigma, text, image) =>
        {
            using var scope = NewDisposeScope();
            var s = sigma.reshape(-1, 1, 1, 1);
            var cIn = 1 / (s * s + 1).sqrt();
            var eps = epsModel(x * cIn, schedule.SigmaToT(sigma), text, image);
            return (x + eps * -s).MoveToOuterDisposeScope();
        };
}
