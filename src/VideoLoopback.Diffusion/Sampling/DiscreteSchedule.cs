using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// The discrete noise schedule of an eps-prediction DDPM model (SD1.x): 1000 training timesteps,
/// their alphas_cumprod and the matching k-diffusion sigmas, with the sigma↔timestep maps.
/// Values are float32 exactly as the model buffer holds them (alphas_cumprod is computed in
/// float64 by LDM and stored as float32; sigmas are then computed in float32 from that buffer).
/// </summary>
public sealed class DiscreteSchedule
{
    /// <summary>SD1.x: "scaled linear" betas from sqrt(0.00085) to sqrt(0.012), squared, 1000 steps.</summary>
    public static DiscreteSchedule Sd15 { get; } = FromScaledLinearBetas(0.00085, 0.012, 1000);

    private DiscreteSchedule(double[] betas, float[] alphasCumprod)
    {
        Betas = betas;
        AlphasCumprod = alphasCumprod;
        Sigmas = new float[alphasCumprod.Length];
        LogSigmas = new float[alphasCumprod.Length];
        for (int i = 0; i < alphasCumprod.Length; i++)
        {
            float ac = alphasCumprod[i];
            Sigmas[i] = MathF.Sqrt((1f - ac) / ac);
            LogSigmas[i] = MathF.Log(Sigmas[i]);
        }
    }

    public double[] Betas { get; }

    /// <summary>alphas_cumprod as the float32 model buffer; index = timestep.</summary>
    public float[] AlphasCumprod { get; }

    /// <summary>sqrt((1-ac)/ac) in float32, increasing with the timestep.</summary>
    public float[] Sigmas { get; }

    public float[] LogSigmas { get; }

    public int Timesteps => Sigmas.Length;

    /// <summary>Smallest sigma (timestep 0), as WebUI passes it to the Karras/exponential schedules.</summary>
    public double SigmaMin => Sigmas[0];

    public double SigmaMax => Sigmas[^1];

    public static DiscreteSchedule FromScaledLinearBetas(double linearStart, double linearEnd, int timesteps)
    {
        if (timesteps < 2) throw new ArgumentOutOfRangeException(nameof(timesteps), timesteps, "need at least 2 timesteps");
        // numpy.linspace in float64 (the last value is set to the end point exactly), then squared.
        double start = Math.Sqrt(linearStart), end = Math.Sqrt(linearEnd);
        double step = (end - start) / (timesteps - 1);
        var betas = new double[timesteps];
        for (int i = 0; i < timesteps; i++)
        {
            double v = i == timesteps - 1 ? end : start + i * step;
            betas[i] = v * v;
        }
        var alphasCumprod = new float[timesteps];
        double product = 1.0;
        for (int i = 0; i < timesteps; i++)
        {
            product *= 1.0 - betas[i];
            alphasCumprod[i] = (float)product;
        }
        return new DiscreteSchedule(betas, alphasCumprod);
    }

    /// <summary>
    /// Continuous timestep for <paramref name="sigma"/>: linear interpolation in log-sigma between the
    /// two neighbouring discrete sigmas, the weight clamped to [0,1] (k-diffusion DiscreteSchedule).
    /// </summary>
    public double SigmaToT(double sigma)
    {
        float logSigma = MathF.Log((float)sigma);
        // low = index of the last log-sigma not above logSigma (0 when none is), at most n-2.
        int count = 0;
        while (count < LogSigmas.Length && logSigma - LogSigmas[count] >= 0f) count++;
        int low = Math.Clamp(count - 1, 0, LogSigmas.Length - 2);
        int high = low + 1;
        float lo = LogSigmas[low], hi = LogSigmas[high];
        float w = Math.Clamp((lo - logSigma) / (lo - hi), 0f, 1f);
        return (1f - w) * low + w * high;
    }

    /// <summary>The timestep whose log-sigma is nearest to log(<paramref name="sigma"/>).</summary>
    public int SigmaToTQuantized(double sigma)
    {
        float logSigma = MathF.Log((float)sigma);
        int best = 0;
        float bestDistance = float.PositiveInfinity;
        for (int i = 0; i < LogSigmas.Length; i++)
        {
            float distance = MathF.Abs(logSigma - LogSigmas[i]);
            if (distance < bestDistance) { bestDistance = distance; best = i; }
        }
        return best;
    }

    /// <summary>Sigma at a continuous timestep: log-sigma interpolated between floor(t) and ceil(t), in float32.</summary>
    public double TToSigma(double t)
    {
        float tf = (float)t;
        if (!(tf >= 0f && tf <= Timesteps - 1))
            throw new ArgumentOutOfRangeException(nameof(t), t, $"timestep must lie in [0, {Timesteps - 1}]");
        int low = (int)MathF.Floor(tf), high = (int)MathF.Ceiling(tf);
        float w = tf - MathF.Floor(tf);
        float logSigma = (1f - w) * LogSigmas[low] + w * LogSigmas[high];
        return MathF.Exp(logSigma);
    }

    /// <summary>
    /// <see cref="SigmaToT(double)"/> on a sigma tensor [B] on any device, with torch ops as upstream
    /// (the per-step form the eps-model wrapper uses; no host round trip).
    /// </summary>
    public Tensor SigmaToT(Tensor sigma)
    {
        using var scope = NewDisposeScope();
        var logSigmas = tensor(LogSigmas, dtype: ScalarType.Float32, device: sigma.device);
        var logSigma = sigma.to_type(ScalarType.Float32).log();
        var distances = logSigma.unsqueeze(0) - logSigmas.unsqueeze(1);           // [1000,B]
        var low = distances.ge(0).cumsum(0).argmax(0).clamp(max: LogSigmas.Length - 2); // [B]
        var high = low + 1;
        var lo = logSigmas.index_select(0, low);
        var hi = logSigmas.index_select(0, high);
        var w = ((lo - logSigma) / (lo - hi)).clamp(0, 1);
        return ((1 - w) * low.to_type(ScalarType.Float32) + w * high.to_type(ScalarType.Float32)).to_type(sigma.dtype).MoveToOuterDisposeScope();
    }
}
