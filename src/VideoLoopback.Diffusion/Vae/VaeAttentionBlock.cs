using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Vae;

/// <summary>
/// Single-head self-attention over the H*W positions with 1x1-conv projections (names norm, q, k, v, proj_out),
/// scale 1/sqrt(C), plus the input. [B,C,H,W] -> [B,C,H,W].
/// </summary>
public sealed class VaeAttentionBlock : nn.Module<Tensor, Tensor>
{
    private readonly GroupNorm32 _norm;
    private readonly Conv2d _q, _k, _v, _out;

    public VaeAttentionBlock(long channels, ModuleDevice on) : base(nameof(VaeAttentionBlock))
    {
        _norm = new GroupNorm32(channels, on, eps: 1e-6);
        _q = Layers.Conv(channels, channels, 1, on);
        _k = Layers.Conv(channels, channels, 1, on);
        _v = Layers.Conv(channels, channels, 1, on);
        _out = Layers.Conv(channels, channels, 1, on);
        register_module("norm", _norm);
        register_module("q", _q);
        register_module("k", _k);
        register_module("v", _v);
        register_module("proj_out", _out);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var n = _norm.call(x);
        // [B,C,H,W] -> [B,1,HW,C]: one head of width C.
        Tensor Tokens(Tensor t) => t.flatten(2).transpose(1, 2).unsqueeze(1);
        var o = nn.functional.scaled_dot_product_attention(Tokens(_q.call(n)), Tokens(_k.call(n)), Tokens(_v.call(n)));
        // Plain layout before the 1x1 conv, as in the UNet's SpatialTransformer (oneDNN and channels-last 1x1 convolutions).
        var back = o.squeeze(1).transpose(1, 2).reshape(b, c, h, w).contiguous();
        var result = _out.call(back).add_(x, KeptScalars.One);
        return result.MoveToOuterDisposeScope();
    }
}
