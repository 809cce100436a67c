using VideoLoopback.Diffusion.Nn;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.ReducedPrecision;

/// <summary>
/// The assumption <see cref="ReducedPrecisionTolerance"/> rests on, per operation: on the CPU every bfloat16/float16 kernel
/// sums in float32, so an operation on operands already in the compute dtype is off by its output's rounding alone, at any
/// reduction length (summing in the compute dtype would grow as sqrt(n): 100x at n = 18432). Reference: float64 on the
/// same rounded operands.
/// </summary>
public class ReducedPrecisionOpTests(ITestOutputHelper output)
{
    public static TheoryData<string, long> Widths()
    {
        var data = new TheoryData<string, long>();
        foreach (var dtype in new[] { "bf16", "fp16" })
            foreach (var n in new long[] { 8, 64, 512, 2048 }) data.Add(dtype, n);
        return data;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void MatmulConvolutionAndAttentionRoundOnlyTheirOutput(string dtypeName, long n)
    {
        using var scope = NewDisposeScope();
        var dtype = ComputePrecision.Parse(dtypeName);
        var model = new ReducedPrecisionTolerance(dtype, ReducedPrecisionTolerance.UnitRoundoffOf(dtype),
            ReducedPrecisionTolerance.AccumulationRoundoffOn(CPU, dtype), [], 1);
        using var generator = new Generator(7, CPU);
        Tensor R(params long[] shape) => randn(shape, generator: generator).to(dtype);

        var x = R(64, n);
        var w = R(n, 48) / Math.Sqrt(n);
        Check($"matmul n={n}", matmul(x, w), matmul(D(x), D(w)), model.LayerError(n, roundings: 1));

        long channels = Math.Min(n, 256);
        var image = R(2, channels, 12, 12);
        var kernel = R(32, channels, 3, 3) / Math.Sqrt(9 * channels);
        Check($"conv3x3 n={9 * channels}", nn.functional.conv2d(image, kernel, padding: [1, 1]),
            nn.functional.conv2d(D(image), D(kernel), padding: [1, 1]), model.LayerError(9 * channels, roundings: 1));

        // QK^T, softmax (in float32 inside the fused kernel) and PV: the probabilities are rounded before PV, a second rounding.
        long d = Math.Min(n, 64);
        var (q, k, v) = (R(1, 2, 77, d), R(1, 2, 77, d), R(1, 2, 77, d));
        Check($"attention d={d}", nn.functional.scaled_dot_product_attention(q, k, v),
            nn.functional.scaled_dot_product_attention(D(q), D(k), D(v)), model.LayerError(d + 77, roundings: 2));
    }

    /// <summary>
    /// Output channel counts the native bfloat16 3x3 convolution gets wrong (not a multiple of 16) and ones it gets right:
    /// through <see cref="BFloat16ConvFallback"/> every one is within one rounding of float64.
    /// </summary>
    [Theory]
    [InlineData(3L)]
    [InlineData(4L)]
    [InlineData(8L)]
    [InlineData(24L)]
    [InlineData(32L)]
    public void BFloat16ConvolutionsOfEveryWidthAreRight(long outChannels)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var on = new ModuleDevice(CPU, ScalarType.BFloat16);
        using var conv = Layers.Conv(32, outChannels, 3, on, padding: 1);
        var x = randn(2, 32, 16, 16).to(ScalarType.BFloat16);
        var expected = nn.functional.conv2d(D(x), D(conv.weight!), D(conv.bias!), padding: [1, 1]);
        var model = new ReducedPrecisionTolerance(on.DType, ReducedPrecisionTolerance.UnitRoundoffOf(on.DType),
            ReducedPrecisionTolerance.AccumulationRoundoffOn(CPU, on.DType), [], 1);
        Check($"bf16 conv3x3 32->{outChannels}", BFloat16ConvFallback.Call(conv, x), expected, model.LayerError(288, roundings: 1));
    }

    private static Tensor D(Tensor t) => t.to(ScalarType.Float64);

    private void Check(string what, Tensor actual, Tensor expected, double bound)
    {
        using var rms = (actual.to(ScalarType.Float64) - expected).square().mean().sqrt() / expected.square().mean().sqrt();
        double relative = rms.item<double>();
        output.WriteLine($"{what} {actual.dtype}: rms relative error {relative:E2}, bound {bound:E2}");
        Assert.True(relative <= bound, $"{what} in {actual.dtype}: rms relative error {relative:E2} exceeds one rounding's {bound:E2} by {relative / bound:F2}x");
    }
}
