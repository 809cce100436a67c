using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling.Noise;

/// <summary>
/// Per-image seeded noise for a batch, as WebUI's ImageRNG: one generator per image. The first call
/// gives the initial latent noise [B,C,H,W] (variation seed blend, seed resize); every later call
/// continues each image's generator — these are the sampler's randn_like draws. With an eta noise
/// seed delta the generators restart from seed + delta after the first call.
/// </summary>
public sealed class ImageNoise : IDisposable
{
    private readonly long[] _shape;   // [C,H,W]
    private readonly ulong[] _seeds;
    private readonly ulong[]? _subseeds;
    private readonly double _subseedStrength;
    private readonly int _resizeFromHeight, _resizeFromWidth;
    private readonly ulong _etaNoiseSeedDelta;
    private NoiseGenerator[] _generators;
    private bool _isFirst = true;

    /// <param name="shape">one image's latent shape [C,H,W].</param>
    /// <param name="seeds">one seed per image.</param>
    /// <param name="subseeds">variation seeds per image (missing entries count as 0); ignored when the strength is 0.</param>
    /// <param name="subseedStrength">variation strength in [0,1].</param>
    /// <param name="seedResizeFromHeight">pixel height the seed's noise was made for (0 = no resize).</param>
    /// <param name="seedResizeFromWidth">pixel width the seed's noise was made for (0 = no resize).</param>
    public ImageNoise(long[] shape, IReadOnlyList<ulong> seeds, RandnSource source, Device device,
        IReadOnlyList<ulong>? subseeds = null, double subseedStrength = 0, int seedResizeFromHeight = 0, int seedResizeFromWidth = 0,
        ulong etaNoiseSeedDelta = 0)
    {
        if (shape.Length != 3 || shape.Any(d => d < 1)) throw new ArgumentException($"noise shape must be [C,H,W] with positive sizes; got [{string.Join(",", shape)}]", nameof(shape));
        if (seeds.Count < 1) throw new ArgumentException("at least one seed is needed", nameof(seeds));
        if (!(subseedStrength >= 0 && subseedStrength <= 1)) throw new ArgumentOutOfRangeException(nameof(subseedStrength), subseedStrength, "subseed strength must lie in [0,1]");
        _shape = shape;
        _seeds = [.. seeds];
        _subseeds = subseeds is null ? null : [.. subseeds];
        _subseedStrength = subseedStrength;
        _resizeFromHeight = seedResizeFromHeight;
        _resizeFromWidth = seedResizeFromWidth;
        _etaNoiseSeedDelta = etaNoiseSeedDelta;
        Source = source;
        Device = device;
        _generators = [.. _seeds.Select(s => NoiseGenerator.Create(source, s, device))];
    }

    public RandnSource Source { get; }
    public Device Device { get; }

    /// <summary>One seed per image (WebUI's all_seeds of the batch; without the eta noise seed delta).</summary>
    public IReadOnlyList<ulong> Seeds => _seeds;

    /// <summary>The first call gives the initial noise, later calls the sampler's draws; [B,C,H,W].</summary>
    public Tensor Next()
    {
        if (_isFirst)
        {
            _isFirst = false;
            return First();
        }
        using var scope = NewDisposeScope();
        return stack(_generators.Select(g => g.Randn(_shape))).MoveToOuterDisposeScope();
    }

    private Tensor First()
    {
        using var scope = NewDisposeScope();
        bool resized = _resizeFromHeight > 0 && _resizeFromWidth > 0;
        long[] noiseShape = resized ? [_shape[0], _resizeFromHeight / 8, _resizeFromWidth / 8] : _shape;
        bool sameShape = noiseShape.SequenceEqual(_shape);
        var images = new List<Tensor>();
        for (int i = 0; i < _seeds.Length; i++)
        {
            Tensor? subnoise = null;
            if (_subseeds is not null && _subseedStrength != 0)
            {
                ulong subseed = i < _subseeds.Length ? _subseeds[i] : 0;
                subnoise = FreshNoise(subseed, noiseShape);
            }
            // a different-sized seed noise comes from a fresh generator; the image's own generator then
            // draws the full-size noise the small one is pasted into.
            var noise = sameShape ? _generators[i].Randn(_shape) : FreshNoise(_seeds[i], noiseShape);
            if (subnoise is not null) noise = NoiseSlerp.Blend(_subseedStrength, noise, subnoise);
            if (!sameShape) noise = PasteCentred(noise, _generators[i].Randn(_shape));
            images.Add(noise);
        }
        if (_etaNoiseSeedDelta != 0)
        {
            foreach (var g in _generators) g.Dispose();
            _generators = [.. _seeds.Select(s => NoiseGenerator.Create(Source, s + _etaNoiseSeedDelta, Device))];
        }
        return stack(images).MoveToOuterDisposeScope();
    }

    private Tensor FreshNoise(ulong seed, long[] shape)
    {
        using var generator = NoiseGenerator.Create(Source, seed, Device);
        return generator.Randn(shape);
    }

    /// <summary>Centres <paramref name="small"/> [C,h,w] on <paramref name="full"/> [C,H,W]: pasted when smaller, centre-cropped when larger.</summary>
    private static Tensor PasteCentred(Tensor small, Tensor full)
    {
        long dx = (full.shape[2] - small.shape[2]) / 2, dy = (full.shape[1] - small.shape[1]) / 2;
        long w = dx >= 0 ? small.shape[2] : small.shape[2] + 2 * dx;
        long h = dy >= 0 ? small.shape[1] : small.shape[1] + 2 * dy;
        long tx = Math.Max(dx, 0), ty = Math.Max(dy, 0);
        long sx = Math.Max(-dx, 0), sy = Math.Max(-dy, 0);
        full[.., TensorIndex.Slice(ty, ty + h), TensorIndex.Slice(tx, tx + w)] = small[.., TensorIndex.Slice(sy, sy + h), TensorIndex.Slice(sx, sx + w)];
        return full;
    }

    public void Dispose()
    {
        foreach (var g in _generators) g.Dispose();
    }
}
