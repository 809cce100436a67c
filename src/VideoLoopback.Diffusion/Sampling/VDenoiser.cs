using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// The v-prediction counterparts of <see cref="EpsDenoiser"/>, as WebUI uses them for v models (SD2.x 768-v).
/// </summary>
public static class VDenoiser
{
    /// <summary>
    /// k-diffusion's CompVisVDenoiser (sigma_data 1): with c_in = 1/√(σ²+1), c_out = −σ/√(σ²+1), c_skip = 1/(σ²+1),
    /// denoised = v(x·c_in, t(σ))·c_out + x·c_skip.
    /// </summary>
    public static ConditionedModel Wrap(ConditionedModel vModel, DiscreteSchedule schedule) =>
        (x, sigma, conditioning) =>
        {
            using var scope = NewDisposeScope();
            var s = sigma.reshape(-1, 1, 1, 1);
            var sigmaSquaredPlusOne = s * s + 1;
            var cSkip = 1 / sigmaSquaredPlusOne;
            var cOut = -s / sigmaSquaredPlusOne.sqrt();
            var cIn = 1 / sigmaSquaredPlusOne.sqrt();
            var v = vModel(x * cIn, schedule.SigmaToT(sigma), conditioning);
            return (v * cOut + x * cSkip).MoveToOuterDisposeScope();
        };

    /// <summary>
    /// The timestep samplers' view of a v model (WebUI's CompVisTimestepsVDenoiser, LDM predict_eps_from_z_and_v):
    /// eps = √ᾱ_t·v + √(1−ᾱ_t)·x, the square roots taken in float64 as LDM's buffers are. Like WebUI it indexes them by the
    /// timestep truncated to an integer, also at the fractional timesteps UniPC calls the model at.
    /// </summary>
    public static ConditionedModel AsEps(ConditionedModel vModel, DiscreteSchedule schedule)
    {
        var alpha = new float[schedule.Timesteps];
        var sigma = new float[schedule.Timesteps];
        double product = 1.0;
        for (int i = 0; i < schedule.Timesteps; i++)
        {
            product *= 1.0 - schedule.Betas[i];
            alpha[i] = (float)Math.Sqrt(product);
            sigma[i] = (float)Math.Sqrt(1.0 - product);
        }
        return (x, t, conditioning) =>
        {
            using var scope = NewDisposeScope();
            var index = t.to(ScalarType.Int64, x.device);
            var a = tensor(alpha, device: x.device).index_select(0, index).reshape(-1, 1, 1, 1).to(x.dtype);
            var s = tensor(sigma, device: x.device).index_select(0, index).reshape(-1, 1, 1, 1).to(x.dtype);
            var v = vModel(x, t, conditioning);
            return (a * v + s * x).MoveToOuterDisposeScope();
        };
    }
}
