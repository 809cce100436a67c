using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// A k-diffusion denoiser: the model's estimate of the clean latent. x: [B,C,H,W]; sigma: [B] (one
/// noise level per batch row); returns [B,C,H,W]. The CFG denoiser over the UNet is one of these.
/// </summary>
public delegate Tensor Denoiser(Tensor x, Tensor sigma);

/// <summary>An eps-prediction model called at integer timesteps (the DDIM path): x [B,C,H,W], t [B] → eps [B,C,H,W].</summary>
public delegate Tensor EpsModel(Tensor x, Tensor timestep);

/// <summary>
/// The SDE samplers' noise source for the interval (sigma → sigmaNext): unit-variance noise shaped like x.
/// WebUI gives them a Brownian tree; any source with the same call order can be plugged in.
/// </summary>
public delegate Tensor NoiseSampler(double sigma, double sigmaNext);

/// <summary>What a sampler reports at each step, before the step's update (k-diffusion's callback dict).</summary>
/// <param name="Index">step index (for DPM fast/adaptive: the solver step).</param>
/// <param name="X">x at the start of the step [B,C,H,W]; valid only during the callback.</param>
/// <param name="Sigma">the step's sigma.</param>
/// <param name="SigmaHat">the sigma the model was called at (differs with churn).</param>
/// <param name="Denoised">the denoiser's output for X [B,C,H,W]; valid only during the callback.</param>
public readonly record struct SamplerStep(int Index, Tensor X, double Sigma, double SigmaHat, Tensor Denoised);
