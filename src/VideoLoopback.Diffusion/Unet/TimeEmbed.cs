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
    /// What every block of the UNet (and of a ControlNet) reads besides the features: the timestep embedding (plus
    /// <paramref name="label"/>(y) where the network has sgm's label_emb), and the text context [B,T,C], both in the
    /// network's dtype on its device.
    /// </summary>
    public (Tensor Emb, Tensor Context) Conditioning(Tensor timesteps, Tensor context, Tensor? y = null, LabelEmbed? label = null)
    {
        if (label is null) return (Forward(timesteps), context.to(_on.DType, _on.Device));
        if (y is null) throw new ArgumentException($"this network is conditioned on a vector y of width {_config.AdmInChannels}; none was given", nameof(y));
        return (Summed(timesteps, y, label), context.to(_on.DType, _on.Device));
    }

    /// <summary>time_embed(t) + label_emb(y), summed before rounding to the network's dtype.</summary>
    private Tensor Summed(Tensor timesteps, Tensor y, LabelEmbed label)
    {
        using var scope = NewDisposeScope();
        return Forward32(timesteps).add_(label.Forward32(y)).to(_on.DType).MoveToOuterDisposeScope();
    }

    /// <summary>timesteps (any shape with B values) -> [B,4*model_channels] in the network's dtype on its device.</summary>
    public Tensor Forward(Tensor timesteps)
    {
        using var scope = NewDisposeScope();
        return Forward32(timesteps).to(_on.DType).MoveToOuterDisposeScope();
    }

    /// <summary>The embedding before rounding to the network's dtype (float32).</summary>
    internal Tensor Forward32(Tensor timesteps)
    {
        using var scope = NewDisposeScope();
        var t = TimestepEmbedding.Sinusoidal(timesteps.reshape(-1).to(_on.Device), _config.TimeEmbedInput);
        return Float32Mlp(_in, _out, t, _on.DType).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// linear, SiLU, linear. In half precision the MLP runs in float32 and only its output is rounded: sin/cos of t*f reach
    /// t = 999 and need float32's bits to keep neighbouring timesteps apart, and the two small matmuls cost nothing next to
    /// the UNet.
    /// </summary>
    internal static Tensor Float32Mlp(Linear first, Linear second, Tensor x, ScalarType networkDType)
    {
        using var scope = NewDisposeScope();
        if (networkDType == ScalarType.Float32)
            return second.call(nn.functional.silu(first.call(x))).MoveToOuterDisposeScope();
        static Tensor Linear32(Linear layer, Tensor x) =>
            nn.functional.linear(x, layer.weight!.to(ScalarType.Float32), layer.bias?.to(ScalarType.Float32));
        return Linear32(second, nn.functional.silu(Linear32(first, x.to(ScalarType.Float32)))).MoveToOuterDisposeScope();
    }
}
