using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Unet;

/// <summary>
/// Pre-norm transformer block: self-attention, cross-attention over the context, GEGLU feed-forward, each residual.
/// Names: attn1, attn2, ff, norm1..3.
/// </summary>
public sealed class BasicTransformerBlock : nn.Module
{
    private readonly CrossAttention _attn1, _attn2;
    private readonly GegluFeedForward _ff;
    private readonly LayerNorm32 _norm1, _norm2, _norm3;

    public BasicTransformerBlock(long dim, long contextDim, long heads, ModuleDevice on) : base(nameof(BasicTransformerBlock))
    {
        _attn1 = new CrossAttention(dim, dim, heads, on);
        _ff = new GegluFeedForward(dim, on);
        _attn2 = new CrossAttention(dim, contextDim, heads, on);
        _norm1 = Layers.LayerNorm(dim, on);
        _norm2 = Layers.LayerNorm(dim, on);
        _norm3 = Layers.LayerNorm(dim, on);
        register_module("attn1", _attn1);
        register_module("ff", _ff);
        register_module("attn2", _attn2);
        register_module("norm1", _norm1);
        register_module("norm2", _norm2);
        register_module("norm3", _norm3);
    }

    // x [B,N,C] (updated in place and returned), context [B,T,Cctx]
    public Tensor Forward(Tensor x, Tensor context)
    {
        using (var n = _norm1.call(x))
        using (var a = _attn1.Forward(n, null))
            x.add_(a, KeptScalars.One);
        using (var n = _norm2.call(x))
        using (var a = _attn2.Forward(n, context))
            x.add_(a, KeptScalars.One);
        using (var n = _norm3.call(x))
        using (var f = _ff.Forward(n))
            x.add_(f, KeptScalars.One);
        return x;
    }
}
