using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Vae;

/// <summary>
/// Encoder downsampling: pad right/bottom by one, then a stride-2 3x3 conv without padding (name <c>conv</c>).
/// [B,C,H,W] -> [B,C,floor((H-2)/2)+1,...] (H/2 for even H).
/// </summary>
public sealed class VaeDownsample : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d _conv;

    public VaeDownsample(long channels, ModuleDevice on) : base(nameof(VaeDownsample))
    {
        _conv = Layers.Conv(channels, channels, 3, on, stride: 2);
        register_module("conv", _conv);
    }

    public override Tensor forward(Tensor x)
    {
        using var padded = nn.functional.pad(x, [0, 1, 0, 1]);
        return _conv.call(padded);
    }
}
