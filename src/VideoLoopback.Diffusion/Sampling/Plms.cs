using static TorchSharp.torch;
using static VideoLoopback.Diffusion.Sampling.SamplerMath;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// "PLMS" as WebUI runs it (sd_samplers_timesteps_impl.plms, pseudo linear multistep): DDIM steps (eta 0) whose eps
/// is an Adams–Bashforth mix of the current and up to three earlier model outputs. The first step has no history
/// and instead averages eps at x and at the DDIM-predicted next x (a second model call, pseudo improved Euler).
/// Walks the timesteps from the last down to the second, like DDIM; draws no noise.
/// </summary>
public static class Plms
{
    public static Tensor Sample(TimestepSamplerContext c, Tensor input)
    {
        var ac = c.Schedule.AlphasCumprod;
        var timesteps = c.Timesteps;
        var history = new List<Tensor>(); // earlier eps, oldest first, at most 3 kept
        var x = input;
        try
        {
            for (int i = 0; i < timesteps.Count - 1; i++)
            {
                using var scope = NewDisposeScope();
                int index = timesteps.Count - 1 - i;
                int previous = index == 0 ? 0 : timesteps[index - 1];
                var step = new DdimStep(ac[timesteps[index]], ac[previous]);
                var eps = Eval(c, x, timesteps[index]);
                Tensor epsPrime = history.Count switch
                {
                    0 => (eps + Eval(c, step.Next(x, eps).XPrev, timesteps[Math.Max(index - 1, 0)])) / 2,
                    1 => (eps * 3 - history[^1]) / 2,
                    2 => (eps * 23 - history[^1] * 16 + history[^2] * 5) / 12,
                    _ => (eps * 55 - history[^1] * 59 + history[^2] * 37 - history[^3] * 9) / 24,
                };
                var (next, predX0) = step.Next(x, epsPrime);
                history.Add(Keep(eps));
                if (history.Count >= 4) { history[0].Dispose(); history.RemoveAt(0); }
                c.Report(i, next, predX0);
                Advance(ref x, next, input);
            }
        }
        finally
        {
            foreach (var eps in history) eps.Dispose();
        }
        return x;
    }

    private static Tensor Eval(TimestepSamplerContext c, Tensor x, int timestep)
    {
        using var t = full([x.shape[0]], (float)timestep, dtype: x.dtype, device: x.device);
        return c.Model(x, t);
    }

    /// <summary>
    /// One deterministic DDIM update at a timestep pair. Upstream holds alphas_cumprod[t] as float32 and the previous
    /// one as float64, then turns both into float32 tensors before the arithmetic.
    /// </summary>
    private readonly struct DdimStep(float alphaT, float alphaPrev)
    {
        public (Tensor XPrev, Tensor PredX0) Next(Tensor x, Tensor eps)
        {
            var predX0 = (x - eps * MathF.Sqrt(1f - alphaT)) / MathF.Sqrt(alphaT);
            var xPrev = predX0 * MathF.Sqrt(alphaPrev) + eps * MathF.Sqrt(1f - alphaPrev);
            return (xPrev, predX0);
        }
    }
}
