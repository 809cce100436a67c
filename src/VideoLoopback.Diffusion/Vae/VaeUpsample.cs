using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Vae;

/// <summary>Decoder upsampling: nearest x2 then a 3x3 conv (name <c>conv</c>). [B,C,H,W] -> [B,C,2H,2W].</summary>
public sealed class VaeUpsample : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d _conv;

    public VaeUpsample(long channels, ModuleDevice on) : base(nameof(VaeUpsample))
    {
        _conv = Layers.Conv(channels, channels, 3, on, padding: 1);
        register_module("conv", _conv);
    }

    public override Tensor forward(Tensor x)
    {
        using var up = nn.functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
        return _conv.call(up);
    }
}
