using static TorchSharp.torch;
using static VideoLoopback.Diffusion.Sampling.SamplerMath;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// "DDIM" as WebUI runs it (sd_samplers_timesteps_impl.ddim): an eps model at integer timesteps,
/// walking the given timesteps from the last down to the second; like upstream it draws a noise
/// tensor every step even with eta = 0.
/// </summary>
public static class Ddim
{
    /// <summary>WebUI's txt2img timesteps: 1, 1+s, 1+2s, … (s = 1000 div steps), clipped to [0, 999].</summary>
    public static int[] Timesteps(int steps, DiscreteSchedule schedule)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be ≥ 1");
        int stride = schedule.Timesteps / steps;
        if (stride < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, $"DDIM supports at most {schedule.Timesteps} steps");
        var result = new List<int>();
        for (int t = 0; t < schedule.Timesteps; t += stride) result.Add(Math.Clamp(t + 1, 0, schedule.Timesteps - 1));
        return [.. result];
    }

    /// <param name="model">the eps model.</param>
    /// <param name="input">x [B,C,H,W] at the noise level of the last timestep.</param>
    /// <param name="timesteps">ascending timesteps; the loop runs timesteps.Length − 1 model calls.</param>
    /// <param name="randnLike">the image RNG's next draw (consumed every step).</param>
    /// <param name="callback">x after the step (X) and the predicted x0 (Denoised).</param>
    public static Tensor Sample(EpsModel model, Tensor input, IReadOnlyList<int> timesteps, DiscreteSchedule schedule,
        Func<Tensor> randnLike, double eta = 0.0, Action<SamplerStep>? callback = null) =>
        Walk(model, input, timesteps, schedule, randnLike, eta, callback, directionEps: null);

    /// <summary>DDIM over a <see cref="TimestepSamplerContext"/> (the registry's entry point).</summary>
    public static Tensor Sample(TimestepSamplerContext c, Tensor input) =>
        Sample(c.Model, input, c.Timesteps, c.Schedule, c.RandnLike, c.Eta, c.Callback);

    /// <summary>
    /// The DDIM walk; <paramref name="directionEps"/> picks the eps that points back to x_t (null: the model's own,
    /// plain DDIM; CFG++ passes the negative-prompt eps).
    /// </summary>
    internal static Tensor Walk(EpsModel model, Tensor input, IReadOnlyList<int> timesteps, DiscreteSchedule schedule,
        Func<Tensor> randnLike, double eta, Action<SamplerStep>? callback, Func<Tensor, Tensor>? directionEps)
    {
        var ac = schedule.AlphasCumprod;
        var x = input;
        for (int i = 0; i < timesteps.Count - 1; i++)
        {
            using var scope = NewDisposeScope();
            int index = timesteps.Count - 1 - i;
            int timestep = timesteps[index];
            int previous = index == 0 ? 0 : timesteps[index - 1];
            double aT = ac[timestep];
            double aPrev = ac[previous];
            double sigmaT = eta * Math.Sqrt((1 - aPrev) / (1 - aT) * (1 - aT / aPrev));
            // upstream turns these python floats into float32 [B] tensors before the arithmetic
            float aTf = (float)aT, aPrevF = (float)aPrev, sigmaTf = (float)sigmaT;
            float sqrtOneMinusAT = MathF.Sqrt(1f - ac[timestep]);
            using var t = full([x.shape[0]], (float)timestep, dtype: x.dtype, device: x.device);
            var eps = model(x, t);
            var predX0 = (x - eps * sqrtOneMinusAT) / MathF.Sqrt(aTf);
            var directionToXt = (directionEps is null ? eps : directionEps(eps)) * MathF.Sqrt(1f - aPrevF - sigmaTf * sigmaTf);
            var noise = randnLike() * sigmaTf;
            var next = predX0 * MathF.Sqrt(aPrevF) + directionToXt + noise;
            callback?.Invoke(new SamplerStep(i, next, 0, 0, predX0));
            Advance(ref x, next, input);
        }
        return x;
    }
}
