using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>A linear layer whose weight [out,in] and bias [out] come straight from the checkpoint.</summary>
internal sealed class ClipLinear : nn.Module<Tensor, Tensor>
{
    private readonly Tensor _weight;
    private readonly Tensor _bias;

    public ClipLinear(string name, ClipWeights weights, string key, long inFeatures, long outFeatures) : base(name)
    {
        var weight = weights.Parameter(key + ".weight", outFeatures, inFeatures);
        var bias = weights.Parameter(key + ".bias", outFeatures);
        register_parameter("weight", weight);
        register_parameter("bias", bias);
        _weight = weight;
        _bias = bias;
    }

    public override Tensor forward(Tensor input) => nn.functional.linear(input, _weight, _bias);
}
