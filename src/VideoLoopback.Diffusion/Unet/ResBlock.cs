using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Unet;

/// <summary>
/// The UNet residual block: out = skip(x) + conv(SiLU(norm(conv(SiLU(norm(x))) + emb_proj(SiLU(emb))))).
/// State-dict names: in_layers.{0 norm,2 conv}, emb_layers.1, out_layers.{0 norm,3 conv}, skip_connection (1x1 conv, only when widths differ).
/// </summary>
public sealed class ResBlock : UnetLayer
{
    private readonly GroupNorm32 _inNorm;
    private readonly Conv2d _inConv;
    private readonly Linear _embProj;
    private readonly GroupNorm32 _outNorm;
    private readonly Conv2d _outConv;
    private readonly Conv2d? _skip;

    public ResBlock(long inChannels, long outChannels, long embDim, ModuleDevice on) : base(nameof(ResBlock))
    {
        _inNorm = new GroupNorm32(inChannels, on, fusedSilu: true);
        _inConv = Layers.Conv(inChannels, outChannels, 3, on, padding: 1);
        _embProj = Layers.Linear(embDim, outChannels, on);
        _outNorm = new GroupNorm32(outChannels, on, fusedSilu: true);
        _outConv = Layers.Conv(outChannels, outChannels, 3, on, padding: 1);
        register_module("in_layers", new Slots(("0", _inNorm), ("2", _inConv)));
        register_module("emb_layers", new Slots(("1", _embProj)));
        register_module("out_layers", new Slots(("0", _outNorm), ("3", _outConv)));
        if (inChannels != outChannels)
        {
            _skip = Layers.Conv(inChannels, outChannels, 1, on);
            register_module("skip_connection", _skip);
        }
    }

    // x [B,Cin,H,W], emb [B,E] -> [B,Cout,H,W]
    public override Tensor Forward(Tensor x, Tensor emb, Tensor context)
    {
        using var scope = NewDisposeScope();
        var h = _inConv.call(_inNorm.call(x));
        using var embSilu = nn.functional.silu(emb);
        var e = _embProj.call(embSilu);
        h.add_(e.unsqueeze(-1).unsqueeze(-1), KeptScalars.One);
        h = _outConv.call(_outNorm.call(h));
        if (_skip is null) h.add_(x, KeptScalars.One);
        else h.add_(_skip.call(x), KeptScalars.One);
        return h.MoveToOuterDisposeScope();
    }
}
