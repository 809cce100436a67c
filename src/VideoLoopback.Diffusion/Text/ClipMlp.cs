using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>CLIP's feed-forward block: fc1, quick_gelu (x·sigmoid(1.702x)), fc2.</summary>
internal sealed class ClipMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear _fc1, _fc2;

    public ClipMlp(ClipTextConfig config, ModuleDevice on) : base(nameof(ClipMlp))
    {
        _fc1 = Layers.Linear(config.HiddenSize, config.IntermediateSize, on);
        _fc2 = Layers.Linear(config.IntermediateSize, config.HiddenSize, on);
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
