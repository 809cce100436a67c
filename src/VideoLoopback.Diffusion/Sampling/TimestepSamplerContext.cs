using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// What a WebUI "timesteps" sampler (DDIM, DDIM CFG++, PLMS, UniPC: sd_samplers_timesteps) needs besides the
/// starting latent: the eps model at integer or continuous timesteps, the ascending timesteps it was handed
/// (txt2img: all of <see cref="Ddim.Timesteps"/>; img2img: the first t_enc of them), the model's schedule and the
/// image RNG for the noise draws.
/// </summary>
public sealed class TimestepSamplerContext
{
    public TimestepSamplerContext(EpsModel model, IReadOnlyList<int> timesteps, DiscreteSchedule schedule, Func<Tensor> randnLike)
    {
        if (timesteps.Count < 1) throw new ArgumentException("a timesteps sampler needs at least one timestep", nameof(timesteps));
        Model = model;
        Timesteps = timesteps;
        Schedule = schedule;
        RandnLike = randnLike;
    }

    public EpsModel Model { get; }

    /// <summary>Ascending timesteps; the samplers walk them from the last down.</summary>
    public IReadOnlyList<int> Timesteps { get; }

    public DiscreteSchedule Schedule { get; }

    /// <summary>torch.randn_like(x) as WebUI routes it: the image RNG's next draw [B,C,H,W].</summary>
    public Func<Tensor> RandnLike { get; }

    /// <summary>DDIM's eta (WebUI's eta_ddim option, default 0).</summary>
    public double Eta { get; init; }

    /// <summary>True when the timesteps are an img2img slice (UniPC then starts one step above the last of them).</summary>
    public bool IsImg2Img { get; init; }

    /// <summary>The guidance behind <see cref="Model"/>, for samplers that rescale it and read its negative-prompt eps (CFG++).</summary>
    public IGuidanceOutputs? Guidance { get; init; }

    /// <summary>x after each step and the step's predicted x0.</summary>
    public Action<SamplerStep>? Callback { get; init; }

    internal void Report(int index, Tensor x, Tensor denoised) => Callback?.Invoke(new SamplerStep(index, x, 0, 0, denoised));
}
