using System.Globalization;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// WebUI's sampler knobs beyond steps and schedule: eta (<c>p.eta</c>; unset, the eta_ancestral option 1 for k-diffusion
/// samplers, eta_ddim 0 for DDIM and DDIM CFG++; PLMS, UniPC and LCM take none) and the sigma churn settings s_churn, s_tmin, s_tmax, s_noise. WebUI hands a value to a
/// sampler only when its k-diffusion function takes that parameter: eta to the ancestral and SDE samplers, DPM
/// fast/adaptive and the two DDIMs, the churn settings to Euler, Heun and DPM2 alone (every other sampler keeps s_noise 1).
/// </summary>
public sealed record SamplerOptions
{
    private static readonly HashSet<string> EtaSamplers =
        [
            "Euler a", "DPM2 a", "DPM++ 2S a", "DPM++ SDE", "DPM++ 2M SDE", "DPM++ 2M SDE Heun", "DPM++ 3M SDE", "DPM fast", "DPM adaptive",
            "DDIM", "DDIM CFG++",
        ];

    private static readonly HashSet<string> ChurnSamplers = ["Euler", "Heun", "DPM2"];

    /// <summary>Noise multiplier of the ancestral and SDE steps (and DDIM's sigma); null: the sampler's WebUI default.</summary>
    public double? Eta { get; init; }

    /// <summary>Sigma churn: extra noise added before each step (scaled by the step count, capped at gamma √2 − 1).</summary>
    public double SChurn { get; init; }

    /// <summary>Churn only at sigmas of at least this.</summary>
    public double STmin { get; init; }

    /// <summary>Churn only at sigmas of at most this.</summary>
    public double STmax { get; init; } = double.PositiveInfinity;

    /// <summary>Scale of the churn noise.</summary>
    public double SNoise { get; init; } = 1;

    /// <summary>WebUI's reading of an s_tmax setting: 0 means no limit.</summary>
    public static double TmaxFromWebUi(double sTmax) => sTmax == 0 ? double.PositiveInfinity : sTmax;

    public static bool TakesEta(SamplerInfo sampler) => EtaSamplers.Contains(sampler.Name);

    public static bool TakesChurn(SamplerInfo sampler) => ChurnSamplers.Contains(sampler.Name);

    /// <summary>The eta <paramref name="sampler"/> runs with.</summary>
    public double EtaFor(SamplerInfo sampler) => Eta ?? DefaultEta(sampler);

    private static double DefaultEta(SamplerInfo sampler) => sampler.IsTimestepSampler ? 0.0 : 1.0;

    /// <summary>A sampler context carrying the values <paramref name="sampler"/> takes; the others keep their defaults.</summary>
    public SamplerContext Context(SamplerInfo sampler, Denoiser model, IReadOnlyList<float> sigmas, Func<Tensor> randnLike,
        NoiseSampler? noiseSampler = null, Action<SamplerStep>? callback = null)
    {
        bool churn = TakesChurn(sampler);
        return new SamplerContext(model, sigmas, randnLike)
        {
            NoiseSampler = noiseSampler, Callback = callback, Eta = EtaFor(sampler),
            SChurn = churn ? SChurn : 0, STmin = churn ? STmin : 0, STmax = churn ? STmax : double.PositiveInfinity, SNoise = churn ? SNoise : 1,
        };
    }

    /// <summary>The infotext fields WebUI adds for <paramref name="sampler"/>: only values it takes that differ from their defaults.</summary>
    public IEnumerable<(string Name, string? Value)> InfotextFields(SamplerInfo sampler, Func<double, string> number)
    {
        double eta = EtaFor(sampler);
        if (TakesEta(sampler)) yield return (sampler.IsTimestepSampler ? "Eta DDIM" : "Eta", eta == DefaultEta(sampler) ? null : number(eta));
        if (!TakesChurn(sampler)) yield break;
        yield return ("Sigma churn", SChurn == 0 ? null : number(SChurn));
        yield return ("Sigma tmin", STmin == 0 ? null : number(STmin));
        yield return ("Sigma tmax", double.IsPositiveInfinity(STmax) ? null : number(STmax));
        yield return ("Sigma noise", SNoise == 1 ? null : number(SNoise));
    }

    /// <summary>Checks every value; the message names the parameter.</summary>
    public void Validate()
    {
        static string Show(double v) => v.ToString(CultureInfo.InvariantCulture);
        if (Eta is { } eta && !(double.IsFinite(eta) && eta >= 0)) throw new ArgumentException($"eta {Show(eta)}: expected a number ≥ 0");
        if (!(double.IsFinite(SChurn) && SChurn >= 0)) throw new ArgumentException($"s_churn {Show(SChurn)}: expected a number ≥ 0");
        if (!(double.IsFinite(STmin) && STmin >= 0)) throw new ArgumentException($"s_tmin {Show(STmin)}: expected a number ≥ 0");
        if (double.IsNaN(STmax) || STmax < 0) throw new ArgumentException($"s_tmax {Show(STmax)}: expected a number ≥ 0 (infinity: no limit)");
        if (!double.IsFinite(SNoise)) throw new ArgumentException($"s_noise {Show(SNoise)}: expected a number");
    }
}
