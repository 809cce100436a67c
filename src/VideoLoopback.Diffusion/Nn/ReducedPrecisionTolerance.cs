using System.Globalization;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Nn;

/// <summary>
/// How far a network computed in bfloat16 or float16 may lie from its float32 result (largest absolute difference),
/// derived from a rounding-error model of the network's layers rather than measured on one model:
/// <list type="number">
/// <item>One layer (a convolution, linear or attention projection: a dot product of reduction length n) has an rms
/// relative error <c>e = u·sqrt(k/3 + n·(u_acc/u)²)</c>. u is the compute dtype's unit roundoff (bf16 2^-8, fp16 2^-11).
/// k = 5 roundings to u, each an rms relative error of u/sqrt(3) (round to nearest, error uniform): the weights, the
/// input's norm and activation, the output, and the residual sum it joins. The n products are summed in precision u_acc; rounding errors of a sum random-walk, so the sum adds
/// u_acc·sqrt(n) (Higham and Mary's probabilistic model). u_acc is float32 (2^-24) where the kernels accumulate in
/// float32 (every libtorch CPU kernel, checked by ReducedPrecisionOpTests); it is u where a GPU library may reduce in the
/// compute dtype, and then the width term dominates: u·sqrt(n).</item>
/// <item>Errors of independent layers add in quadrature over the depth: <c>E = G·sqrt(Σ e_l²)</c>. G = 2 bounds how much
/// the rest of the network amplifies an error (normalised, residual networks keep relative errors about as they are;
/// the tiny goldens measure 0.2 to 1.4).</item>
/// <item>The tolerance is that relative error at the reference's largest magnitude: <c>E·max|y|</c>.</item>
/// </list>
/// Norms, softmax, the timestep embedding and the sampler run in float32 and are not counted. Layers are read off the
/// network's parameters: every weight of two or more dimensions except embedding tables, with n its fan-in.
/// </summary>
public sealed record ReducedPrecisionTolerance(ScalarType DType, double UnitRoundoff, double AccumulationRoundoff,
    IReadOnlyList<long> ReductionLengths, double ReferenceMax)
{
    /// <summary>Roundings to the compute dtype per layer: its weights, its input's norm and activation, its output, the residual sum.</summary>
    public const int RoundingsPerLayer = 5;

    /// <summary>The assumed bound on the error gain of the network downstream of a layer.</summary>
    public const double ErrorGain = 2;

    public static double UnitRoundoffOf(ScalarType dtype) => dtype switch
    {
        ScalarType.BFloat16 => Math.Pow(2, -8),
        ScalarType.Float16 => Math.Pow(2, -11),
        ScalarType.Float32 => Math.Pow(2, -24),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a floating compute dtype"),
    };

    /// <summary>The precision the device's kernels sum products in: float32 on the CPU; on a GPU, possibly the compute dtype.</summary>
    public static double AccumulationRoundoffOn(Device device, ScalarType dtype) =>
        device.type == TorchSharp.DeviceType.CPU ? UnitRoundoffOf(ScalarType.Float32) : UnitRoundoffOf(dtype);

    /// <summary>rms relative error of one layer of reduction length <paramref name="n"/> with <paramref name="roundings"/> roundings.</summary>
    public double LayerError(long n, int roundings = RoundingsPerLayer) =>
        UnitRoundoff * Math.Sqrt(roundings / 3.0 + n * Math.Pow(AccumulationRoundoff / UnitRoundoff, 2));

    /// <summary>The network's rms relative error E = G·sqrt(Σ e_l²).</summary>
    public double RelativeError => ErrorGain * Math.Sqrt(ReductionLengths.Sum(n => Math.Pow(LayerError(n), 2)));

    /// <summary>The tolerance on the largest absolute difference from the float32 reference.</summary>
    public double MaxAbs => RelativeError * ReferenceMax;

    /// <summary>The model for the layers among <paramref name="parameters"/>, computed in <paramref name="dtype"/> on <paramref name="device"/>, against <paramref name="reference"/>.</summary>
    public static ReducedPrecisionTolerance For(IEnumerable<(string Name, Tensor Weight)> parameters, ScalarType dtype, Device device, Tensor reference)
    {
        var lengths = parameters
            .Where(p => p.Weight.ndim >= 2 && !p.Name.Contains("embedding", StringComparison.Ordinal))
            .Select(p => p.Weight.shape.Skip(1).Aggregate(1L, (a, b) => a * b))
            .ToList();
        using var max = reference.abs().max().to(ScalarType.Float64);
        return new(dtype, UnitRoundoffOf(dtype), AccumulationRoundoffOn(device, dtype), lengths, max.item<double>());
    }

    /// <summary>The model for all layers of <paramref name="network"/>.</summary>
    public static ReducedPrecisionTolerance For(nn.Module network, ScalarType dtype, Device device, Tensor reference) =>
        For(network.named_parameters().Select(p => (p.name, (Tensor)p.parameter)), dtype, device, reference);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{DType}: u {UnitRoundoff:G3}, {ReductionLengths.Count} layers of mean width {(ReductionLengths.Count == 0 ? 0 : ReductionLengths.Average()):F0}, " +
        $"relative error {RelativeError:E2} x max|y| {ReferenceMax:G3}");
}
