using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>Layer norm over the last dimension with the checkpoint's weight and bias [C].</summary>
internal sealed class ClipLayerNorm : nn.Module<Tensor, Tensor>
{
    private readonly Tensor _weight;
    private readonly Tensor _bias;
    private readonly long[] _shape;
    private readonly double _epsilon;

    public ClipLayerNorm(string name, ClipWeights weights, string key, long width, double epsilon) : base(name)
    {
        var weight = weights.Parameter(key + ".weight", width);
        var bias = weights.Parameter(key + ".bias", width);
        register_parameter("weight", weight);
        register_parameter("bias", bias);
        _weight = weight;
        _bias = bias;
        _shape = [width];
        _epsilon = epsilon;
    }

    public override Tensor forward(Tensor input) => nn.functional.layer_norm(input, _shape, _weight, _bias, _epsilon);
}
