using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>One pre-norm transformer layer: x + attn(ln1(x)), then x + mlp(ln2(x)).</summary>
internal sealed class ClipEncoderLayer : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm32 _norm1, _norm2;
    private readonly ClipAttention _attention;
    private readonly ClipMlp _mlp;

    public ClipEncoderLayer(ClipTextConfig config, ModuleDevice on) : base(nameof(ClipEncoderLayer))
    {
        (_norm1, _norm2) = (Layers.LayerNorm(config.HiddenSize, on, config.LayerNormEpsilon), Layers.LayerNorm(config.HiddenSize, on, config.LayerNormEpsilon));
        (_attention, _mlp) = (new ClipAttention(config, on), new ClipMlp(config, on));
        foreach (var (name, module) in new (string, nn.Module)[] { ("self_attn", _attention), ("layer_norm1", _norm1), ("mlp", _mlp), ("layer_norm2", _norm2) })
            register_module(name, module);
    }

    /// <summary>[B,T,C] -> [B,T,C].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x + _attention.forward(_norm1.forward(x));
        return (h + _mlp.forward(_norm2.forward(h))).MoveToOuterDisposeScope();
    }
}
