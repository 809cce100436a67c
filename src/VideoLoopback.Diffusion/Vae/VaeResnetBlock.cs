using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Vae;

/// <summary>
/// The VAE residual block (no timestep input): x' = shortcut(x) + conv2(SiLU(norm2(conv1(SiLU(norm1(x)))))).
/// Names: norm1, conv1, norm2, conv2, nin_shortcut (1x1, only when widths differ). [B,Cin,H,W] -> [B,Cout,H,W].
/// </summary>
public sealed class VaeResnetBlock : nn.Module<Tensor, Tensor>
{
    private readonly GroupNorm32 _norm1, _norm2;
    private readonly Conv2d _conv1, _conv2;
    private readonly Conv2d? _shortcut;

    public VaeResnetBlock(long inChannels, long outChannels, ModuleDevice on) : base(nameof(VaeResnetBlock))
    {
        _norm1 = new GroupNorm32(inChannels, on, eps: 1e-6, fusedSilu: true);
        _conv1 = Layers.Conv(inChannels, outChannels, 3, on, padding: 1);
        _norm2 = new GroupNorm32(outChannels, on, eps: 1e-6, fusedSilu: true);
        _conv2 = Layers.Conv(outChannels, outChannels, 3, on, padding: 1);
        register_module("norm1", _norm1);
        register_module("conv1", _conv1);
        register_module("norm2", _norm2);
        register_module("conv2", _conv2);
        if (inChannels != outChannels)
        {
            _shortcut = Layers.Conv(inChannels, outChannels, 1, on);
            register_module("nin_shortcut", _shortcut);
        }
    }

    // Intermediates are freed as soon as they are used: at 512x512 each one is hundreds of MB.
    public override Tensor forward(Tensor x)
    {
        Tensor h;
        using (var n1 = _norm1.call(x))
            h = _conv1.call(n1);
        using (var c1 = h)
        using (var n2 = _norm2.call(c1))
            h = _conv2.call(n2);
        if (_shortcut is null) return h.add_(x, KeptScalars.One);
        using var shortcut = _shortcut.call(x);
        return h.add_(shortcut, KeptScalars.One);
    }
}
