using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// Applies attention weights to the text encoder's output (WebUI sd_emphasis). "Original" takes the means
/// over the whole batch tensor, as WebUI does, so prompts encoded together influence each other's scale.
/// The arithmetic runs in float32 (WebUI's multipliers are a float32 tensor, which promotes fp16 outputs).
/// </summary>
public static class PromptEmphasis
{
    /// <summary><paramref name="z"/> [B,T,C], <paramref name="multipliers"/> [B,T] -> [B,T,C] (float32).</summary>
    public static Tensor Apply(Tensor z, Tensor multipliers, EmphasisMode mode)
    {
        using var scope = NewDisposeScope();
        var z32 = z.to(ScalarType.Float32);
        if (mode is EmphasisMode.Ignore or EmphasisMode.None) return z32.MoveToOuterDisposeScope();
        var weights = multipliers.to(ScalarType.Float32, z.device).unsqueeze(-1);
        var weighted = z32 * weights;
        if (mode == EmphasisMode.NoNorm) return weighted.MoveToOuterDisposeScope();
        var originalMean = z32.mean();
        var newMean = weighted.mean();
        return (weighted * (originalMean / newMean)).MoveToOuterDisposeScope();
    }
}
