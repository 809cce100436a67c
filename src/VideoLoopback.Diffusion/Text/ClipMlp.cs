using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>CLIP's feed-forward block: fc1, quick_gelu (x·sigmoid(1.702x)), fc2.</summary>
internal sealed class ClipMlp : nn.Module<Tensor, Tensor>
{
    private readonly ClipLinear _fc1, _fc2;

    public ClipMlp(string name, ClipWeights weights, string key, ClipTextConfig config) : base(name)
    {
        _fc1 = new ClipLinear("fc1", weights, key + ".fc1", config.HiddenSize, config.IntermediateSize);
        _fc2 = new ClipLinear("fc2", weights, key + ".fc2", config.IntermediateSize, config.HiddenSize);
        register_module("fc1", _fc1);
        register_module("fc2", _fc2);
    }

    /// <summary>[B,T,C] -> [B,T,C].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = _fc1.forward(x);
        h = h * sigmoid(h * 1.702);
        return _fc2.forward(h).MoveToOuterDisposeScope();
    }
}
