using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Unet;

/// <summary>
/// Attention over the H*W positions of a feature map: GroupNorm (eps 1e-6), proj_in (1x1 conv, or Linear when
/// <c>linearProjection</c>), transformer_blocks, proj_out, plus the input. [B,C,H,W] -> [B,C,H,W].
/// </summary>
public sealed class SpatialTransformer : UnetLayer
{
    private readonly GroupNorm32 _norm;
    private readonly nn.Module<Tensor, Tensor> _projIn, _projOut;
    private readonly BasicTransformerBlock[] _blocks;
    private readonly bool _linear;

    public SpatialTransformer(long channels, long heads, int depth, long contextDim, bool linearProjection, ModuleDevice on)
        : base(nameof(SpatialTransformer))
    {
        _linear = linearProjection;
        _norm = new GroupNorm32(channels, on, eps: 1e-6);
        _projIn = linearProjection ? Layers.Linear(channels, channels, on) : Layers.Conv(channels, channels, 1, on);
        _blocks = Enumerable.Range(0, depth).Select(_ => new BasicTransformerBlock(channels, contextDim, heads, on)).ToArray();
        _projOut = linearProjection ? Layers.Linear(channels, channels, on) : Layers.Conv(channels, channels, 1, on);
        register_module("norm", _norm);
        register_module("proj_in", _projIn);
        register_module("transformer_blocks", new Slots(_blocks.Select((b, i) => (i.ToString(), (nn.Module)b)).ToArray()));
        register_module("proj_out", _projOut);
    }

    public override Tensor Forward(Tensor x, Tensor emb, Tensor context)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var normed = _norm.call(x);
        Tensor tokens; // [B,HW,C]
        if (_linear)
            tokens = _projIn.call(normed.flatten(2).transpose(1, 2));
        else
            tokens = _projIn.call(normed).flatten(2).transpose(1, 2).contiguous();
        foreach (var block in _blocks) tokens = block.Forward(tokens, context);
        Tensor result;
        if (_linear)
            result = _projOut.call(tokens).transpose(1, 2).reshape(b, c, h, w);
        else
            // Back to plain [B,C,H,W] before the 1x1 conv: the transposed view has channels-last strides, which oneDNN's
            // 1x1 convolutions get wrong for some shapes (1280+ channels at 4x4: half the output off), and every later
            // convolution would inherit the layout.
            result = _projOut.call(tokens.transpose(1, 2).reshape(b, c, h, w).contiguous());
        result = result.add_(x, KeptScalars.One);
        return result.MoveToOuterDisposeScope();
    }
}
