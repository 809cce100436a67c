using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Vae;

/// <summary>
/// The encoder's posterior: mean [B,E,h,w] and logvar (clamped to [-30,20]) [B,E,h,w]. Disposing it frees both.
/// </summary>
public sealed class DiagonalGaussian : IDisposable
{
    /// <param name="moments">[B,2E,h,w]: mean then log-variance along the channels.</param>
    public DiagonalGaussian(Tensor moments)
    {
        var halves = moments.chunk(2, 1);
        Mean = halves[0];
        using var raw = halves[1];
        LogVar = raw.clamp(-30.0, 20.0);
    }

    public Tensor Mean { get; }
    public Tensor LogVar { get; }

    /// <summary>exp(0.5 logvar), [B,E,h,w].</summary>
    public Tensor Std() => LogVar.mul(0.5).exp_();

    /// <summary>mean + std * N(0,1) drawn from <paramref name="generator"/> (in mean's dtype and device).</summary>
    public Tensor Sample(Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var noise = randn(Mean.shape, Mean.dtype, Mean.device, generator: generator);
        return Mean.addcmul(Std(), noise, 1.0).MoveToOuterDisposeScope();
    }

    /// <summary>The mode (= mean), as WebUI uses for img2img when sampling is off.</summary>
    public Tensor Mode() => Mean.alias();

    public void Dispose()
    {
        Mean.Dispose();
        LogVar.Dispose();
    }
}
