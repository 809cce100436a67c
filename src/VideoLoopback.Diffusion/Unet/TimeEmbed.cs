using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Unet;

/// <summary>
/// The UNet's <c>time_embed</c> MLP (linear, SiLU, linear; state-dict names <c>0</c> and <c>2</c>), which a ControlNet copies:
/// timesteps [B] -> the embedding [B,4*model_channels] every ResBlock reads.
/// </summary>
public sealed class TimeEmbed : nn.Module
{
    private readonly Linear _in, _out;
    private readonly UnetConfig _config;
    private readonly ModuleDevice _on;

    public TimeEmbed(UnetConfig config, ModuleDevice on) : base(nameof(TimeEmbed))
    {
        _config = config;
        _on = on;
        _in = Layers.Linear(config.TimeEmbedInput, config.TimeEmbedDim, on);
        _out = Layers.Linear(config.TimeEmbedDim, config.TimeEmbedDim, on);
        register_module("0", _in);
        register_module("2", _out);
    }

    /// <summary>
    /// What every block of the UNet (and of a ControlNet) reads besides the features: the timestep embedding, and the text
    /// context [B,T,C] in the network's dtype on its device.
    /// </summary>
    public (Tensor Emb, Tensor Context) Conditioning(Tensor timesteps, Tensor context) =>
        (Forward(timesteps), context.to(_on.DType, _on.Device));

    /// <summary>
    /// timesteps (any shape with B values) -> [B,4*model_channels] in the network's dtype on its device. In half precision
    /// the MLP runs in float32 and only its output is rounded: sin/cos of t*f reach t = 999 and need float32's bits to keep
    /// neighbouring timesteps apart, and the two small matmuls cost nothing next to the UNet.
    /// </summary>
    public Tensor Forward(Tensor timesteps)
    {
        using var scope = NewDisposeScope();
        var t = TimestepEmbedding.Sinusoidal(timesteps.reshape(-1).to(_on.Device), _config.TimeEmbedInput);
        if (_on.DType == ScalarType.Float32)
            return _out.call(nn.functional.silu(_in.call(t))).MoveToOuterDisposeScope();
        static Tensor Linear32(Linear layer, Tensor x) =>
            nn.functional.linear(x, layer.weight!.to(ScalarType.Float32), layer.bias?.to(ScalarType.Float32));
        return Linear32(_out, nn.functional.silu(Linear32(_in, t))).to(_on.DType).MoveToOuterDisposeScope();
    }
}
