using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling.Noise;

/// <summary>
/// WebUI's variation-seed blend (rng.slerp), as it actually computes it on one image's [C,H,W] noise:
/// the norms and the dot product run over dim 1 (H), giving per-(C,W) angles; when the mean cosine
/// exceeds 0.9995 it falls back to low·val + high·(1−val) — weights the other way round from the slerp.
/// val = subseed strength: 0 keeps <paramref name="low"/> (the seed's noise), 1 gives <paramref name="high"/>.
/// </summary>
public static class NoiseSlerp
{
    public static Tensor Blend(double val, Tensor low, Tensor high)
    {
        using var scope = NewDisposeScope();
        var lowNorm = low / low.norm(1, keepdim: true);
        var highNorm = high / high.norm(1, keepdim: true);
        var dot = (lowNorm * highNorm).sum(1);   // [C,W]
        if (dot.mean().item<float>() > 0.9995f)
            return (low * val + high * (1 - val)).MoveToOuterDisposeScope();
        var omega = dot.acos();
        var sinOmega = omega.sin();
        var lowWeight = (((1.0 - val) * omega).sin() / sinOmega).unsqueeze(1);
        var highWeight = ((val * omega).sin() / sinOmega).unsqueeze(1);
        return (lowWeight * low + highWeight * high).MoveToOuterDisposeScope();
    }
}
