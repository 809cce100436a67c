using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>One pre-norm transformer layer: x + attn(ln1(x)), then x + mlp(ln2(x)).</summary>
internal sealed class ClipEncoderLayer : nn.Module<Tensor, Tensor>
{
    private readonly ClipLayerNorm _norm1, _norm2;
    private readonly ClipAttention _attention;
    private readonly ClipMlp _mlp;

    public ClipEncoderLayer(string name, ClipWeights weights, string key, ClipTextConfig config) : base(name)
    {
        _norm1 = new ClipLayerNorm("layer_norm1", weights, key + ".layer_norm1", config.HiddenSize, config.LayerNormEpsilon);
        _attention = new ClipAttention("self_attn", weights, key + ".self_attn", config);
        _norm2 = new ClipLayerNorm("layer_norm2", weights, key + ".layer_norm2", config.HiddenSize, config.LayerNormEpsilon);
        _mlp = new ClipMlp("mlp", weights, key + ".mlp", config);
        register_module("self_attn", _attention);
        register_module("layer_norm1", _norm1);
        register_module("mlp", _mlp);
        register_module("layer_norm2", _norm2);
    }

    /// <summary>[B,T,C] -> [B,T,C].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x + _attention.forward(_norm1.forward(x));
        return (h + _mlp.forward(_norm2.forward(h))).MoveToOuterDisposeScope();
    }
}
