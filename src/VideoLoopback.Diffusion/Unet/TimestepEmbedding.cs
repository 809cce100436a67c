using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Unet;

/// <summary>The sinusoidal timestep features fed to the UNet's time_embed MLP.</summary>
public static class TimestepEmbedding
{
    /// <summary>
    /// timesteps [B] (any numeric dtype; fractional values allowed) -> [B,dim] float32:
    /// cat(cos(t*f), sin(t*f)) with f_i = exp(-ln(10000) i / (dim/2)), cosine first.
    /// </summary>
    public static Tensor Sinusoidal(Tensor timesteps, long dim)
    {
        using var scope = NewDisposeScope();
        long half = dim / 2;
        var freqs = exp(arange(half, ScalarType.Float32, timesteps.device).mul_(-Math.Log(10000.0) / half));
        var args = timesteps.to(ScalarType.Float32).unsqueeze(1) * freqs.unsqueeze(0);
        var emb = cat([cos(args), sin(args)], 1);
        if (dim % 2 == 1) emb = cat([emb, zeros(emb.shape[0], 1, ScalarType.Float32, timesteps.device)], 1);
        return emb.MoveToOuterDisposeScope();
    }
}
