using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Nn;

/// <summary>
/// GroupNorm whose statistics are always computed in float32 or wider, as the reference's GroupNorm32 does,
/// so half-precision activations do not lose the mean/variance. Parameters: <c>weight</c>, <c>bias</c> [C].
/// </summary>
public sealed class GroupNorm32 : nn.Module<Tensor, Tensor>
{
    private readonly long _groups;
    private readonly double _eps;
    private readonly bool _silu;
    private readonly TorchSharp.Modules.Parameter _weight;
    private readonly TorchSharp.Modules.Parameter _bias;

    /// <param name="fusedSilu">apply SiLU after normalising (the reference always follows these norms by SiLU
    /// in ResBlocks; fusing it here avoids one full-size temporary).</param>
    public GroupNorm32(long channels, ModuleDevice on, double eps = 1e-5, long groups = 32, bool fusedSilu = false)
        : base(nameof(GroupNorm32))
    {
        if (channels % groups != 0)
            throw new ArgumentException($"GroupNorm: {channels} channels are not divisible into {groups} groups");
        _groups = groups;
        _eps = eps;
        _silu = fusedSilu;
        _weight = new TorchSharp.Modules.Parameter(ones(channels, on.DType, on.Device), requires_grad: false);
        _bias = new TorchSharp.Modules.Parameter(zeros(channels, on.DType, on.Device), requires_grad: false);
        register_parameter("weight", _weight);
        register_parameter("bias", _bias);
    }

    public long Channels => _weight.shape[0];

    // x: [B,C,...] -> same shape and dtype
    public override Tensor forward(Tensor x)
    {
        Tensor result;
        if (x.dtype is ScalarType.Float32 or ScalarType.Float64)
        {
            result = nn.functional.group_norm(x, _groups, _weight, _bias, _eps);
        }
        else
        {
            using var x32 = x.to(ScalarType.Float32);
            using var w32 = _weight.to(ScalarType.Float32);
            using var b32 = _bias.to(ScalarType.Float32);
            using var n32 = nn.functional.group_norm(x32, _groups, w32, b32, _eps);
            result = n32.to(x.dtype);
        }
        return _silu ? result.silu_() : result;
    }
}
