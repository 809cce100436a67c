using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Unet;

/// <summary>
/// sgm's "sequential" <c>label_emb</c>: a Sequential holding one Sequential of linear, SiLU, linear (state-dict names
/// <c>0.0</c>, <c>0.2</c>), mapping the vector y [B,adm_in_channels] to [B,4*model_channels], added to the timestep embedding.
/// </summary>
public sealed class LabelEmbed : nn.Module
{
    private readonly Linear _in, _out;
    private readonly ModuleDevice _on;

    public LabelEmbed(UnetConfig config, ModuleDevice on) : base(nameof(LabelEmbed))
    {
        _on = on;
        _in = Layers.Linear(config.AdmInChannels, config.TimeEmbedDim, on);
        _out = Layers.Linear(config.TimeEmbedDim, config.TimeEmbedDim, on);
        register_module("0", new Slots(("0", _in), ("2", _out)));
    }

    /// <summary>y [B,adm] -> [B,4*model_channels] in float32 (see <see cref="TimeEmbed.Float32Mlp"/>), on the network's device.</summary>
    public Tensor Forward32(Tensor y) => TimeEmbed.Float32Mlp(_in, _out, y.to(ScalarType.Float32, _on.Device), _on.DType);
}
