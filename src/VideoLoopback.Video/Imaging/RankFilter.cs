using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Imaging;

/// <summary>
/// <c>ImageFilter.MedianFilter / MinFilter / MaxFilter(size)</c>: the rank-th smallest value of each
/// size x size neighbourhood, per channel, on an edge-replicated border (PIL expands the image first).
/// </summary>
public sealed class RankFilter : IImageFilter
{
    private readonly int _size;
    private readonly int _rank;

    public RankFilter(string kind, int size, int rank)
    {
        if (size < 1 || size % 2 == 0) throw new ArgumentException($"{kind}: size must be a positive odd number, got {size}", nameof(size));
        if (rank < 0 || rank >= size * size) throw new ArgumentException($"{kind}: rank {rank} outside 0..{size * size - 1}", nameof(rank));
        Name = $"{kind}({size})";
        _size = size;
        _rank = rank;
    }

    public static RankFilter Median(int size = 3) => new("MedianFilter", size, size * size / 2);
    public static RankFilter Min(int size = 3) => new("MinFilter", size, 0);
    public static RankFilter Max(int size = 3) => new("MaxFilter", size, size * size - 1);

    public string Name { get; }

    public Tensor Apply(Tensor frames)
    {
        using var scope = torch.NewDisposeScope();
        var x = FrameTensor.AsBatch(frames, Name);
        var r = _size / 2;
        long height = x.shape[2], width = x.shape[3];
        var rows = torch.arange(-r, height + r, ScalarType.Int64, x.device).clamp(0, height - 1);
        var cols = torch.arange(-r, width + r, ScalarType.Int64, x.device).clamp(0, width - 1);
        var padded = x.index_select(2, rows).index_select(3, cols);
        // [N,C,H,W,size,size] -> [N,C,H,W,size*size]
        var windows = padded.unfold(2, _size, 1).unfold(3, _size, 1).reshape(x.shape[0], x.shape[1], height, width, _size * _size);
        Tensor result;
        if (_rank == 0) result = windows.amin(-1);
        else if (_rank == _size * _size - 1) result = windows.amax(-1);
        else result = windows.sort(-1).Values.select(-1, _rank);
        return FrameTensor.Restore(result, frames).MoveToOuterDisposeScope();
    }
}
