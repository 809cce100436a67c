using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Unet;

/// <summary>
/// Multi-head attention of image tokens over themselves (attn1) or over the text context (attn2).
/// Names: to_q, to_k, to_v (no bias), to_out.0. Scale 1/sqrt(head_dim), the SDPA default.
/// </summary>
public sealed class CrossAttention : nn.Module
{
    private readonly Linear _toQ, _toK, _toV, _toOut;
    private readonly long _heads;

    public CrossAttention(long queryDim, long contextDim, long heads, ModuleDevice on) : base(nameof(CrossAttention))
    {
        _heads = heads;
        _toQ = Layers.Linear(queryDim, queryDim, on, bias: false);
        _toK = Layers.Linear(contextDim, queryDim, on, bias: false);
        _toV = Layers.Linear(contextDim, queryDim, on, bias: false);
        _toOut = Layers.Linear(queryDim, queryDim, on);
        register_module("to_q", _toQ);
        register_module("to_k", _toK);
        register_module("to_v", _toV);
        register_module("to_out", new Slots(("0", _toOut)));
    }

    /// <param name="x">[B,N,C]</param><param name="context">[B,T,Cctx], or null for self-attention</param>
    /// <returns>[B,N,C]</returns>
    public Tensor Forward(Tensor x, Tensor? context)
    {
        var source = context ?? x;
        using var q = TokenLinear.Apply(_toQ, x);
        using var k = TokenLinear.Apply(_toK, source);
        using var v = TokenLinear.Apply(_toV, source);
        using var o = Attention.MultiHead(q, k, v, _heads);
        return TokenLinear.Apply(_toOut, o);
    }
}
