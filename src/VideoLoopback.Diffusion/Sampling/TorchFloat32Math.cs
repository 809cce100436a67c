namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// float32 exp and log as PyTorch's CPU kernels compute them for k-diffusion's 0-dim sigma tensors.
/// torch.exp on float32 runs SLEEF's expf (1-ulp class, not correctly rounded: e^2.4453104 gives
/// 11.534128, one ulp below the correctly rounded 11.534129); these few ulps decide which Brownian-tree
/// node a DPM++ SDE step queries, so the algorithm is reproduced: reduction by ln 2 split in two parts,
/// a degree-6 polynomial with fused multiply-adds, scaling by 2^q. torch.log (SLEEF's double-float
/// logf, within a hair of correct rounding) is taken as the correctly rounded value.
/// </summary>
internal static class TorchFloat32Math
{
    private const float Log2E = 1.442695040888963407359924681001892137426645954152985934135449406931f;
    private const float Ln2Upper = 0.693145751953125f;       // ln 2, leading bits (exact product with q)
    private const float Ln2Lower = 1.428606765330187045e-06f; // ln 2 − Ln2Upper

    public static float Exp(float d)
    {
        if (float.IsNaN(d)) return d;
        if (d > 104) return float.PositiveInfinity;
        if (d < -104) return 0;
        int q = (int)MathF.Round(d * Log2E, MidpointRounding.ToEven);
        float s = MathF.FusedMultiplyAdd(q, -Ln2Upper, d);
        s = MathF.FusedMultiplyAdd(q, -Ln2Lower, s);
        float u = 0.000198527617612853646278381f;
        u = MathF.FusedMultiplyAdd(u, s, 0.00139304355252534151077271f);
        u = MathF.FusedMultiplyAdd(u, s, 0.00833336077630519866943359f);
        u = MathF.FusedMultiplyAdd(u, s, 0.0416664853692054748535156f);
        u = MathF.FusedMultiplyAdd(u, s, 0.166666671633720397949219f);
        u = MathF.FusedMultiplyAdd(u, s, 0.5f);
        u = 1.0f + MathF.FusedMultiplyAdd(s * s, u, s);
        // u · 2^q in two exact power-of-two steps, so an intermediate never overflows.
        return u * MathF.ScaleB(1f, q >> 1) * MathF.ScaleB(1f, q - (q >> 1));
    }

    public static float Log(float x) => (float)Math.Log(x);
}
