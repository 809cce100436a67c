using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Imaging;

/// <summary>
/// Several filters applied in order (<c>img.filter(a).filter(b)</c>), as one <see cref="IImageFilter"/>. (A schedule's
/// description of such a sequence, names and arguments, is <see cref="Schedules.FilterChain"/>.)
/// </summary>
public sealed class ChainedFilter : IImageFilter
{
    private readonly IImageFilter[] _filters;

    public ChainedFilter(IEnumerable<IImageFilter> filters)
    {
        _filters = filters.ToArray();
        if (_filters.Any(f => f is null)) throw new ArgumentException("filter chain holds a null filter", nameof(filters));
    }

    public IReadOnlyList<IImageFilter> Filters => _filters;

    public string Name => string.Join(" -> ", _filters.Select(f => f.Name));

    public Tensor Apply(Tensor frames)
    {
        if (_filters.Length == 0) return frames.clone();
        using var scope = torch.NewDisposeScope();
        var current = frames;
        foreach (var filter in _filters) current = filter.Apply(current);
        return current.MoveToOuterDisposeScope();
    }
}
