using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Imaging;

/// <summary>
/// PIL's 3x3 / 5x5 convolution (<c>ImageFilter.Kernel</c> and the built-in BLUR, CONTOUR, ... filters).
/// Pillow sums in float32 in a fixed order: start at <c>offset + 0.5</c>, add each kernel row's sum
/// (taken left to right), truncate and clamp; kernel row 0 meets the image row BELOW the pixel.
/// The outer size/2 rows and columns are copied unchanged.
/// </summary>
public sealed class KernelFilter : IImageFilter
{
    private readonly int _size;
    private readonly float[] _weights;
    private readonly float _start;

    /// <param name="size">3 or 5.</param>
    /// <param name="kernel">size*size integers or reals, row-major.</param>
    /// <param name="scale">divisor of every weight (PIL: the kernel sum when not given).</param>
    public KernelFilter(string name, int size, IReadOnlyList<double> kernel, double scale, double offset)
    {
        if (size is not (3 or 5)) throw new ArgumentException($"{name}: kernel size must be 3 or 5, got {size}", nameof(size));
        if (kernel.Count != size * size)
            throw new ArgumentException($"{name}: a {size}x{size} kernel needs {size * size} weights, got {kernel.Count}", nameof(kernel));
        if (scale == 0) throw new ArgumentException($"{name}: kernel scale must not be 0", nameof(scale));
        Name = name;
        _size = size;
        _weights = kernel.Select(k => (float)k / (float)scale).ToArray();
        _start = (float)offset + 0.5f;
    }

    public string Name { get; }

    public Tensor Apply(Tensor frames)
    {
        using var scope = torch.NewDisposeScope();
        var x = FrameTensor.AsBatch(frames, Name);
        long height = x.shape[2], width = x.shape[3];
        if (height < _size || width < _size)
            throw new ArgumentException($"{Name}: image {width}x{height} is smaller than the {_size}x{_size} kernel");
        var r = _size / 2;
        long innerH = height - 2 * r, innerW = width - 2 * r;
        var f = x.to(ScalarType.Float32);
        var sum = torch.full([x.shape[0], x.shape[1], innerH, innerW], _start, ScalarType.Float32, x.device);
        for (var row = 0; row < _size; row++)
        {
            Tensor? rowSum = null;
            var rows = f.narrow(2, r + (r - row), innerH);
            for (var col = 0; col < _size; col++)
            {
                // a zero weight adds an exact zero: skipping it leaves every sum unchanged
                var weight = _weights[row * _size + col];
                if (weight == 0) continue;
                var term = rows.narrow(3, col, innerW) * weight;
                rowSum = rowSum is null ? term : rowSum + term;
            }
            if (rowSum is not null) sum = sum + rowSum;
        }
        var result = x.clone();
        result.narrow(2, r, innerH).narrow(3, r, innerW).copy_(sum.clamp(0, 255).to(ScalarType.Byte));
        return FrameTensor.Restore(result, frames).MoveToOuterDisposeScope();
    }

    /// <summary>Pillow 9.4's built-in kernels: (size, scale, offset, row-major weights).</summary>
    internal static readonly IReadOnlyDictionary<string, (int Size, int Scale, int Offset, int[] Kernel)> Builtin =
        new Dictionary<string, (int, int, int, int[])>(StringComparer.Ordinal)
        {
            ["BLUR"] = (5, 16, 0, [1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1]),
            ["CONTOUR"] = (3, 1, 255, [-1, -1, -1, -1, 8, -1, -1, -1, -1]),
            ["DETAIL"] = (3, 6, 0, [0, -1, 0, -1, 10, -1, 0, -1, 0]),
            ["EDGE_ENHANCE"] = (3, 2, 0, [-1, -1, -1, -1, 10, -1, -1, -1, -1]),
            ["EDGE_ENHANCE_MORE"] = (3, 1, 0, [-1, -1, -1, -1, 9, -1, -1, -1, -1]),
            ["EMBOSS"] = (3, 1, 128, [-1, 0, 0, 0, 1, 0, 0, 0, 0]),
            ["FIND_EDGES"] = (3, 1, 0, [-1, -1, -1, -1, 8, -1, -1, -1, -1]),
            ["SHARPEN"] = (3, 16, 0, [-2, -2, -2, -2, 32, -2, -2, -2, -2]),
            ["SMOOTH"] = (3, 13, 0, [1, 1, 1, 1, 5, 1, 1, 1, 1]),
            ["SMOOTH_MORE"] = (5, 100, 0, [1, 1, 1, 1, 1, 1, 5, 5, 5, 1, 1, 5, 44, 5, 1, 1, 5, 5, 5, 1, 1, 1, 1, 1, 1]),
        };

    public static KernelFilter FromBuiltin(string name)
    {
        if (!Builtin.TryGetValue(name, out var k)) throw new ArgumentException($"unknown built-in filter '{name}'", nameof(name));
        return new KernelFilter(name, k.Size, k.Kernel.Select(v => (double)v).ToArray(), k.Scale, k.Offset);
    }
}
