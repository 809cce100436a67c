using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Vae;

/// <summary>
/// The VAE's change of resolution between levels: a parameter-free resize, then a 3x3 conv (name <c>conv</c>).
/// The encoder's goes down, the decoder's up (see <see cref="Down"/>, <see cref="Up"/>).
/// </summary>
public sealed class VaeResample : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d _conv;
    private readonly bool _down;

    private VaeResample(string name, Conv2d conv, bool down) : base(name)
    {
        _conv = conv;
        _down = down;
        register_module("conv", _conv);
    }

    /// <summary>Encoder downsampling: pad right/bottom by one, then a stride-2 conv without padding. [B,C,H,W] -> [B,C,floor((H-2)/2)+1,...].</summary>
    public static VaeResample Down(long channels, ModuleDevice on) =>
        new("VaeDownsample", Layers.Conv(channels, channels, 3, on, stride: 2), down: true);

    /// <summary>Decoder upsampling: nearest x2, then the conv. [B,C,H,W] -> [B,C,2H,2W].</summary>
    public static VaeResample Up(long channels, ModuleDevice on) =>
        new("VaeUpsample", Layers.Conv(channels, channels, 3, on, padding: 1), down: false);

    public override Tensor forward(Tensor x)
    {
        using var resized = _down
            ? nn.functional.pad(x, [0, 1, 0, 1])
            : nn.functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
        return _conv.call(resized);
    }
}
