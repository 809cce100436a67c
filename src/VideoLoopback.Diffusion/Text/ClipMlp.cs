using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>CLIP's feed-forward block: fc1, the config's activation (CLIP: quick_gelu x·sigmoid(1.702x); OpenCLIP: GELU), fc2.</summary>
internal sealed class ClipMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear _fc1, _fc2;
    private readonly ClipActivation _activation;

    public ClipMlp(ClipTextConfig config, ModuleDevice on) : base(nameof(ClipMlp))
    {
        _fc1 = Layers.Linear(config.HiddenSize, config.IntermediateSize, on);
        _fc2 = Layers.Linear(config.IntermediateSize, config.HiddenSize, on);
        _activation = config.Activation;
        register_module("fc1", _fc1);
        register_module("fc2", _fc2);
    }

    /// <summary>[B,T,C] -> [B,T,C].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = _fc1.forward(x);
        h = _activation == ClipActivation.Gelu ? nn.functional.gelu(h) : h * sigmoid(h * 1.702);
        return _fc2.forward(h).MoveToOuterDisposeScope();
    }
}
