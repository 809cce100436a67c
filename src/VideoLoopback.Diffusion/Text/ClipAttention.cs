using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// CLIP's causal multi-head self-attention: every token attends to itself and the tokens before it
/// (the text model is autoregressive in shape even though SD only reads its hidden states).
/// </summary>
internal sealed class ClipAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear _query, _key, _value, _output;
    private readonly int _heads;

    public ClipAttention(ClipTextConfig config, ModuleDevice on) : base(nameof(ClipAttention))
    {
        long c = config.HiddenSize;
        _query = Layers.Linear(c, c, on);
        _key = Layers.Linear(c, c, on);
        _value = Layers.Linear(c, c, on);
        _output = Layers.Linear(c, c, on);
        register_module("q_proj", _query);
        register_module("k_proj", _key);
        register_module("v_proj", _value);
        register_module("out_proj", _output);
        _heads = config.HeadCount;
    }

    /// <summary>[B,T,C] -> [B,T,C].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1], c = x.shape[2];
        // [B,T,C] -> [B,heads,T,C/heads]
        Tensor Split(Tensor y) => y.view(b, t, _heads, c / _heads).transpose(1, 2);
        var attended = nn.functional.scaled_dot_product_attention(
            Split(_query.forward(x)), Split(_key.forward(x)), Split(_value.forward(x)), null, 0.0, true);
        var merged = attended.transpose(1, 2).reshape(b, t, c);
        return _output.forward(merged).MoveToOuterDisposeScope();
    }
}
