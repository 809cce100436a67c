using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Unet;

/// <summary>Halves H and W with a stride-2 3x3 convolution (<c>op</c>); [B,C,H,W] -> [B,C,ceil(H/2),ceil(W/2)].</summary>
public sealed class Downsample : UnetLayer
{
    private readonly Conv2d _op;

    public Downsample(long channels, ModuleDevice on) : base(nameof(Downsample))
    {
        _op = Layers.Conv(channels, channels, 3, on, stride: 2, padding: 1);
        register_module("op", _op);
    }

    public override Tensor Forward(Tensor x, Tensor emb, Tensor context) => _op.call(x);
}
