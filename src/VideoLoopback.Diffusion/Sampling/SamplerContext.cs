using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// Everything a k-diffusion style sampler needs besides the starting latent: the denoiser, the
/// sigma schedule (float32 values, ending in 0), the two noise routes WebUI uses, and the knobs.
/// </summary>
public sealed class SamplerContext
{
    public SamplerContext(Denoiser model, IReadOnlyList<float> sigmas, Func<Tensor> randnLike)
    {
        if (sigmas.Count < 2) throw new ArgumentException($"a sampler needs at least 2 sigmas (one step); got {sigmas.Count}", nameof(sigmas));
        Model = model;
        Sigmas = sigmas;
        RandnLike = randnLike;
    }

    public Denoiser Model { get; }

    /// <summary>The schedule, high to low; the sampler runs Sigmas.Count - 1 steps.</summary>
    public IReadOnlyList<float> Sigmas { get; }

    /// <summary>
    /// torch.randn_like(x) as WebUI routes it: the next draw of the image RNG (p.rng.next()), one
    /// noise tensor [B,C,H,W]. Ancestral samplers, Restart and the unused churn noise of
    /// Euler/Heun/DPM2 draw from here, in upstream order.
    /// </summary>
    public Func<Tensor> RandnLike { get; }

    /// <summary>Noise for the SDE samplers (DPM++ SDE, 2M SDE, 3M SDE); when null they draw from <see cref="RandnLike"/>.</summary>
    public NoiseSampler? NoiseSampler { get; init; }

    public Action<SamplerStep>? Callback { get; init; }

    /// <summary>Ancestral/SDE noise amount (WebUI passes its eta_ancestral option, default 1).</summary>
    public double Eta { get; init; } = 1.0;

    public double SNoise { get; init; } = 1.0;

    public double SChurn { get; init; }
    public double STmin { get; init; }
    public double STmax { get; init; } = double.PositiveInfinity;

    /// <summary>The noise source the SDE samplers use: the explicit one, else randn_like (upstream's default for ancestral steps).</summary>
    internal Tensor SdeNoise(double sigma, double sigmaNext) => NoiseSampler is { } sampler ? sampler(sigma, sigmaNext) : RandnLike();

    /// <summary>Calls the model at one sigma for every batch row.</summary>
    internal Tensor Denoise(Tensor x, double sigma)
    {
        using var sigmaPerRow = full([x.shape[0]], sigma, dtype: x.dtype, device: x.device);
        return Model(x, sigmaPerRow);
    }

    internal void Report(int index, Tensor x, double sigma, double sigmaHat, Tensor denoised) =>
        Callback?.Invoke(new SamplerStep(index, x, sigma, sigmaHat, denoised));
}
