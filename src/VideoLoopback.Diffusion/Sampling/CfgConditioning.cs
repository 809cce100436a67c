using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// The text conditioning of one denoiser call for a batch of B images, in WebUI's multicond layout:
/// <see cref="Cond"/> holds every (image, AND-subprompt) row [N,T,D], <see cref="CondsList"/>[i]
/// lists image i's rows and weights; <see cref="Uncond"/> is one negative-prompt row per image [B,T',D].
/// Families whose UNet also takes a vector (SDXL: pooled text and size embeddings) give one per row in <see cref="CondVector"/>
/// [N,V] and <see cref="UncondVector"/> [B,V]; null otherwise.
/// </summary>
public sealed record CfgConditioning(Tensor Cond, IReadOnlyList<IReadOnlyList<(int Row, double Weight)>> CondsList, Tensor Uncond,
    Tensor? CondVector = null, Tensor? UncondVector = null)
{
    public int BatchSize => CondsList.Count;
}

/// <summary>Supplies the conditioning for a denoiser call; the step counts calls, so prompt editing follows it.</summary>
public delegate CfgConditioning ConditioningAtStep(int step);
