using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Nn;

/// <summary>
/// A linear layer over many tokens, run on the CPU as a 1×1 convolution. libtorch's CPU matmul (its bundled BLAS) does not
/// use AVX-512 on every CPU that has it (130 GFLOP/s on the development machine, whose convolutions reach 250), while
/// oneDNN's 1×1 convolutions pick the widest vectors and, in the plain layout, match float64 to float32 rounding for
/// every shape of the networks (see <see cref="MemoryLayout"/>). Elsewhere (CUDA, half precision, a few rows) the layer
/// runs as it is.
/// </summary>
public static class TokenLinear
{
    /// <summary>Fewer rows than this are weight-bound: the layout copies would cost more than they save.</summary>
    private const long MinRows = 64;

    /// <summary><paramref name="layer"/>(x) for x [..., in] -> [..., out].</summary>
    public static Tensor Apply(Linear layer, Tensor x)
    {
        long inFeatures = x.shape[^1];
        long rows = x.numel() / inFeatures;
        if (x.device.type != DeviceType.CPU || x.dtype != ScalarType.Float32 || rows < MinRows) return layer.call(x);
        var weight = layer.weight!;
        long outFeatures = weight.shape[0];
        using var scope = NewDisposeScope();
        // [rows, in] -> channels-first [1, in, 1, rows], as the convolution reads it without reordering.
        var columns = x.reshape(rows, inFeatures).t().contiguous().view(1, inFeatures, 1, rows);
        var y = nn.functional.conv2d(columns, weight.view(outFeatures, inFeatures, 1, 1), layer.bias);
        long[] shape = [.. x.shape[..^1], outFeatures];
        return y.view(outFeatures, rows).t().reshape(shape).MoveToOuterDisposeScope();
    }
}
