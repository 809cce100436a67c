using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Sampling.Noise;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// The latent half of WebUI's img2img (StableDiffusionProcessingImg2Img.sample + the sampler's
/// sample_img2img): draw the initial noise from the image RNG, noise the init latent to the first
/// sigma of the img2img slice, sample with classifier-free guidance, and for inpainting put the
/// unmasked latent back. The UNet is any eps model; the VAE stays outside.
/// </summary>
public sealed class LatentImg2Img
{
    /// <summary>The UNet: eps (or v, see <see cref="Prediction"/>) of (x [N,4,h,w], t [N] (continuous or integer timesteps), the rows' text and image conditioning).</summary>
    public required ConditionedModel EpsModel { get; init; }
    /// <summary>What <see cref="EpsModel"/> predicts; v models are wrapped as WebUI wraps them (CompVisVDenoiser, CompVisTimestepsVDenoiser).</summary>
    public ModelPrediction Prediction { get; init; } = ModelPrediction.Epsilon;
    public required SamplerInfo Sampler { get; init; }
    public Scheduler Scheduler { get; init; } = Scheduler.Automatic;
    public required int Steps { get; init; }
    public required double Denoising { get; init; }
    public required double CfgScale { get; init; }
    public required ConditioningAtStep Conditioning { get; init; }
    public DiscreteSchedule Schedule { get; init; } = DiscreteSchedule.Sd15;

    /// <summary>Image conditioning per image (inpainting models: [B,5,h,w]; WebUI gives others zeros [B,5,1,1]).</summary>
    public Tensor? ImageConditioning { get; init; }

    /// <summary>Latent mask [B or 1,1,h,w], 1 = keep the init latent; null for plain img2img.</summary>
    public Tensor? KeepMask { get; init; }

    /// <summary>
    /// Noise for the SDE samplers (DPM++ SDE, 2M SDE, 2M SDE Heun, 3M SDE). Null = WebUI's: a Brownian tree per
    /// image seed over the full schedule, drawing from the image RNG's source (see <see cref="BrownianTreeNoiseSampler"/>).
    /// </summary>
    public NoiseSampler? NoiseSampler { get; init; }

    /// <summary>The batch's image seeds for the Brownian trees (WebUI's p.all_seeds of the batch); null = the image RNG's seeds.</summary>
    public IReadOnlyList<ulong>? BrownianSeeds { get; init; }

    public Action<SamplerStep>? Callback { get; init; }

    /// <summary>Eta and the sigma churn settings, handed to the samplers that take them (as WebUI does).</summary>
    public SamplerOptions Options { get; init; } = new();

    /// <summary>Runs img2img on <paramref name="initLatent"/> [B,4,h,w]; <paramref name="rng"/>'s first draw is the initial noise.</summary>
    public Tensor Run(Tensor initLatent, ImageNoise rng)
    {
        Img2ImgSteps.TEncFor(Steps, Denoising); // validates steps and denoising before any work
        using var scope = NewDisposeScope();
        return Run(initLatent, rng.Next(), rng.Next, rng.Seeds, rng.Source).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs img2img from a given initial <paramref name="noise"/>; the samplers draw further noise from <paramref name="randnLike"/>,
    /// and the SDE samplers' Brownian trees use <paramref name="seeds"/> (unless <see cref="BrownianSeeds"/>) and <paramref name="source"/>.
    /// </summary>
    public Tensor Run(Tensor initLatent, Tensor noise, Func<Tensor> randnLike, IReadOnlyList<ulong> seeds, RandnSource source)
    {
        Img2ImgSteps.TEncFor(Steps, Denoising);
        using var scope = NewDisposeScope();
        if (!noise.shape.SequenceEqual(initLatent.shape))
            throw new ArgumentException($"noise [{string.Join(",", noise.shape)}] does not match the init latent [{string.Join(",", initLatent.shape)}]");
        var mask = KeepMask;
        var nmask = mask is null ? null : 1 - mask;
        Tensor samples;
        if (Sampler.IsTimestepSampler)
        {
            var plan = DdimImg2ImgSteps.For(Steps, Denoising, Schedule);
            var xi = initLatent * plan.InitScale + noise * plan.NoiseScale;
            var epsModel = Prediction == ModelPrediction.V ? VDenoiser.AsEps(EpsModel, Schedule) : EpsModel;
            using var cfg = new CfgDenoiser(epsModel, Conditioning, CfgScale)
            {
                ImageConditioning = ImageConditioning, InitLatent = initLatent, Mask = mask, NMask = nmask, MaskBeforeDenoising = true,
            };
            var context = new TimestepSamplerContext(cfg.Denoise, plan.Timesteps, Schedule, randnLike)
            {
                IsImg2Img = true, Guidance = cfg, Callback = Callback, Eta = Options.EtaFor(Sampler),
            };
            samples = Sampler.RunTimesteps!(context, xi);
        }
        else
        {
            var plan = Img2ImgSteps.ForSigmas(Sampler, Steps, Denoising, Scheduler, Schedule);
            var xi = initLatent + noise * plan.NoiseScale;
            using var cfg = new CfgDenoiser(Denoiser(), Conditioning, CfgScale)
            {
                ImageConditioning = ImageConditioning, InitLatent = initLatent, Mask = mask, NMask = nmask,
            };
            // WebUI's create_noise_sampler: built from the full schedule and the un-noised latent.
            using var tree = NoiseSampler is null && Sampler.BrownianNoise
                ? BrownianTreeNoiseSampler.For(initLatent, plan.SigmasFull, BrownianSeeds ?? seeds, source)
                : null;
            var context = Options.Context(Sampler, cfg.Denoise, plan.Sigmas, randnLike, NoiseSampler ?? tree?.AsNoiseSampler(), Callback);
            samples = Sampler.Run!(context, xi);
        }
        if (mask is not null) samples = samples * nmask! + initLatent * mask;
        return samples.MoveToOuterDisposeScope();
    }

    /// <summary>The k-diffusion denoiser over the UNet: the sampler's own eps wrapping, or CompVisVDenoiser for v models.</summary>
    private ConditionedModel Denoiser()
    {
        if (Prediction == ModelPrediction.Epsilon) return Sampler.WrapEpsModel(EpsModel, Schedule);
        if (Sampler.WrapEpsModel != (Func<ConditionedModel, DiscreteSchedule, ConditionedModel>)EpsDenoiser.Wrap)
            throw new NotSupportedException($"the {Sampler.Name} sampler needs an eps-prediction model");
        return VDenoiser.Wrap(EpsModel, Schedule);
    }
}
