using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// "LCM" as WebUI runs it (sd_samplers_lcm.py), for latent-consistency models: every step takes the model's consistency
/// estimate as the new x and, unless it is the last step, renoises it to the next sigma with a fresh draw of the
/// image RNG (k-diffusion's default noise sampler, i.e. randn_like). The model is wrapped as LCM's denoiser
/// (<see cref="Wrap"/>) over the 50 timesteps 19, 39, …, 999 of the original LCM schedule, and its sigmas come from
/// <see cref="Sigmas"/> rather than the sampler-independent schedulers.
/// </summary>
public static class Lcm
{
    /// <summary>LCM's original timestep count; the model sees every 1000/50 = 20th training timestep.</summary>
    public const int OriginalTimesteps = 50;

    private const float SigmaData = 0.5f;

    public static Tensor Sample(SamplerContext c, Tensor input)
    {
        var x = input;
        for (int i = 0; i < c.Sigmas.Count - 1; i++)
        {
            using var scope = NewDisposeScope();
            var denoised = c.Denoise(x, c.Sigmas[i]);
            c.Report(i, x, c.Sigmas[i], c.Sigmas[i], denoised);
            var next = c.Sigmas[i + 1] > 0 ? denoised + c.RandnLike() * c.Sigmas[i + 1] : denoised;
            SamplerMath.Advance(ref x, next, input);
        }
        return x;
    }

    /// <summary>
    /// The sigmas of LCMCompVisDenoiser.get_sigmas(n): n timesteps spaced linearly (float32) from 999 down to 19, each
    /// mapped to the LCM table's log-sigma (interpolated between neighbouring entries), then 0.
    /// </summary>
    public static float[] Sigmas(int n, DiscreteSchedule model)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "steps must be ≥ 1");
        var table = new Table(model);
        var t = Float32Linspace.Create(table.SigmaToT(table.Sigmas[^1]), table.SigmaToT(table.Sigmas[0]), n);
        return [.. t.Select(table.TToSigma), 0f];
    }

    /// <summary>
    /// LCMCompVisDenoiser: eps at the quantized LCM timestep of the scaled input, turned into the k-diffusion
    /// estimate x − σ·eps and mixed with x by LCM's boundary-condition scalings (c_skip, c_out with σ_data = 0.5 at
    /// 10 × the timestep).
    /// </summary>
    /// <param name="epsModel">eps(x_scaled [N,C,H,W], integer timestep [N], the rows' conditioning) → [N,C,H,W].</param>
    public static ConditionedModel Wrap(ConditionedModel epsModel, DiscreteSchedule model)
    {
        var table = new Table(model);
        return (x, sigma, conditioning) =>
        {
            using var scope = NewDisposeScope();
            var s = sigma.reshape(-1, 1, 1, 1);
            var t = table.SigmaToT(sigma);
            var eps = epsModel(x * (1 / (s * s + 1).sqrt()), t.to_type(x.dtype), conditioning);
            var estimate = x + eps * -s;
            var scaled = (t.to_type(ScalarType.Float32) * 10.0).reshape(-1, 1, 1, 1);
            var denominator = scaled * scaled + SigmaData * SigmaData;
            var cSkip = SigmaData * SigmaData / denominator;
            var cOut = scaled / denominator.sqrt();
            return (estimate * cOut + x * cSkip).MoveToOuterDisposeScope();
        };
    }

    /// <summary>The 50-entry LCM schedule: alphas_cumprod at timesteps 19 + 20k and their float32 sigmas.</summary>
    private sealed class Table
    {
        private readonly int skip;
        private readonly float[] logSigmas;

        public Table(DiscreteSchedule model)
        {
            skip = model.Timesteps / OriginalTimesteps;
            Sigmas = new float[OriginalTimesteps];
            logSigmas = new float[OriginalTimesteps];
            for (int k = 0; k < OriginalTimesteps; k++)
            {
                float ac = model.AlphasCumprod[model.Timesteps - 1 - (OriginalTimesteps - 1 - k) * skip];
                Sigmas[k] = MathF.Sqrt((1f - ac) / ac);
                logSigmas[k] = MathF.Log(Sigmas[k]);
            }
        }

        public float[] Sigmas { get; }

        /// <summary>The training timestep of the nearest table entry in log-sigma (skip·k + skip − 1).</summary>
        public float SigmaToT(float sigma)
        {
            float logSigma = MathF.Log(sigma);
            int best = 0;
            for (int k = 1; k < logSigmas.Length; k++)
                if (MathF.Abs(logSigma - logSigmas[k]) < MathF.Abs(logSigma - logSigmas[best])) best = k;
            return best * skip + skip - 1;
        }

        /// <summary>Timestep tensor [B] for sigma [B], as <see cref="SigmaToT(float)"/> with torch ops on the sigma's device.</summary>
        public Tensor SigmaToT(Tensor sigma)
        {
            using var scope = NewDisposeScope();
            var table = tensor(logSigmas, dtype: ScalarType.Float32, device: sigma.device);
            var distances = (sigma.to_type(ScalarType.Float32).log().unsqueeze(0) - table.unsqueeze(1)).abs(); // [50,B]
            return (distances.argmin(0) * skip + (skip - 1)).MoveToOuterDisposeScope();
        }

        /// <summary>Sigma at a training timestep: the table position (t − skip + 1)/skip, clamped, interpolated in log-sigma.</summary>
        public float TToSigma(float timestep)
        {
            float position = Math.Clamp((timestep - (skip - 1)) / skip, 0f, logSigmas.Length - 1);
            int low = (int)MathF.Floor(position), high = (int)MathF.Ceiling(position);
            float w = position - MathF.Floor(position);
            return MathF.Exp((1f - w) * logSigmas[low] + w * logSigmas[high]);
        }
    }
}
