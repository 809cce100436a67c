using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Unet;

/// <summary>Nearest-neighbour x2 then a 3x3 convolution (<c>conv</c>); [B,C,H,W] -> [B,C,2H,2W].</summary>
public sealed class Upsample : UnetLayer
{
    private readonly Conv2d _conv;

    public Upsample(long channels, ModuleDevice on) : base(nameof(Upsample))
    {
        _conv = Layers.Conv(channels, channels, 3, on, padding: 1);
        register_module("conv", _conv);
    }

    public override Tensor Forward(Tensor x, Tensor emb, Tensor context)
    {
        using var up = nn.functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
        return _conv.call(up);
    }
}
