using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Nn;

/// <summary>
/// LayerNorm over the last dimension whose statistics are computed in float32 when the activations are half precision
/// (as <see cref="GroupNorm32"/> does for GroupNorm): a mean and variance over C values in bfloat16 would lose 8 of the
/// 24 bits they need. Float32 input takes the plain kernel, so the float32 path is unchanged.
/// Parameters: <c>weight</c>, <c>bias</c> [C].
/// </summary>
public sealed class LayerNorm32 : nn.Module<Tensor, Tensor>
{
    private readonly long[] _shape;
    private readonly double _eps;
    private readonly TorchSharp.Modules.Parameter _weight;
    private readonly TorchSharp.Modules.Parameter _bias;

    public LayerNorm32(long features, ModuleDevice on, double eps = 1e-5) : base(nameof(LayerNorm32))
    {
        _shape = [features];
        _eps = eps;
        _weight = new TorchSharp.Modules.Parameter(ones(features, on.DType, on.Device), requires_grad: false);
        _bias = new TorchSharp.Modules.Parameter(zeros(features, on.DType, on.Device), requires_grad: false);
        register_parameter("weight", _weight);
        register_parameter("bias", _bias);
    }

    // x: [..., C] -> same shape and dtype
    public override Tensor forward(Tensor x)
    {
        if (x.dtype == ScalarType.Float32)
            return nn.functional.layer_norm(x, _shape, _weight, _bias, _eps);
        using var x32 = x.to(ScalarType.Float32);
        using var w32 = _weight.to(ScalarType.Float32);
        using var b32 = _bias.to(ScalarType.Float32);
        using var n32 = nn.functional.layer_norm(x32, _shape, w32, b32, _eps);
        return n32.to(x.dtype);
    }
}
