using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling.Noise;

/// <summary>
/// The SDE samplers' noise as WebUI gives it (Sampler.create_noise_sampler → k-diffusion's
/// BrownianTreeNoiseSampler over BatchedBrownianTree): one Brownian tree per image seed on
/// [min(sigmas &gt; 0), max(sigmas)] of the full schedule, queried with sigmas as times; the noise for
/// (sigma → sigmaNext) is the trees' increment over that interval divided by sqrt|sigmaNext − sigma|.
/// WebUI replaces torchsde's random draws with randn_local(seed, shape): a fresh generator of the RNG
/// source (CPU, the device's, or NV Philox) per tree node, cast to x's dtype. Because the noise is a
/// function of the seed and the interval alone, an image's result does not depend on its batch.
/// </summary>
public sealed class BrownianTreeNoiseSampler : IDisposable
{
    private readonly BrownianInterval[] _trees;
    private readonly int _sign;
    private readonly NoiseGenerator _generator;

    /// <param name="imageShape">one image's shape [C,H,W].</param>
    /// <param name="dtype">the noise dtype (x's).</param>
    /// <param name="device">where the noise is made and returned.</param>
    /// <param name="sigmaMin">the interval's low end (a float32 sigma, as upstream's tensors).</param>
    /// <param name="sigmaMax">the interval's high end.</param>
    /// <param name="seeds">one seed per batch image (WebUI's p.all_seeds for the batch).</param>
    /// <param name="source">the RNG source of the tree's draws.</param>
    public BrownianTreeNoiseSampler(long[] imageShape, ScalarType dtype, Device device, float sigmaMin, float sigmaMax,
        IReadOnlyList<ulong> seeds, RandnSource source)
    {
        if (imageShape.Length != 3 || imageShape.Any(d => d < 1)) throw new ArgumentException($"image shape must be [C,H,W] with positive sizes; got [{string.Join(",", imageShape)}]", nameof(imageShape));
        if (seeds.Count < 1) throw new ArgumentException("a Brownian tree needs at least one seed", nameof(seeds));
        if (!float.IsFinite(sigmaMin) || !float.IsFinite(sigmaMax)) throw new ArgumentException($"Brownian tree sigmas must be finite; got [{sigmaMin}, {sigmaMax}]");
        var (low, high, sign) = Sort(sigmaMin, sigmaMax);
        _sign = sign;
        var shape = (long[])imageShape.Clone();
        // One generator re-seeded per draw: the same numbers as WebUI's fresh generator per draw, without
        // the cost of creating a torch generator for every tree node.
        _generator = NoiseGenerator.Create(source, 0, device);
        Tensor Randn(uint seed)
        {
            _generator.Reseed(seed);
            var noise = _generator.Randn(shape);
            if (noise.dtype == dtype) return noise;
            using (noise) return noise.to(dtype);
        }
        _trees = [.. seeds.Select(seed => new BrownianInterval(low, high, seed, Randn))];
        BatchSize = seeds.Count;
    }

    public int BatchSize { get; }

    /// <summary>
    /// WebUI's noise sampler for <paramref name="x"/> [B,C,H,W] and the full schedule: sigma_min = the smallest
    /// positive sigma, sigma_max = the largest; <paramref name="seeds"/> has one entry per image.
    /// </summary>
    public static BrownianTreeNoiseSampler For(Tensor x, IReadOnlyList<float> sigmas, IReadOnlyList<ulong> seeds, RandnSource source)
    {
        if (x.dim() != 4) throw new ArgumentException($"x must be [B,C,H,W]; got [{string.Join(",", x.shape)}]", nameof(x));
        if (seeds.Count != x.shape[0])
            throw new ArgumentException($"the Brownian tree needs one seed per image: {seeds.Count} seeds for a batch of {x.shape[0]}", nameof(seeds));
        var positive = sigmas.Where(s => s > 0).ToList();
        if (positive.Count == 0) throw new ArgumentException("the schedule has no positive sigma", nameof(sigmas));
        return new BrownianTreeNoiseSampler([x.shape[1], x.shape[2], x.shape[3]], x.dtype, x.device, positive.Min(), sigmas.Max(), seeds, source);
    }

    /// <summary>Unit-variance noise [B,C,H,W] for the step sigma → sigmaNext (both taken as float32, as upstream's sigma tensors).</summary>
    public Tensor Sample(double sigma, double sigmaNext)
    {
        float t0 = (float)sigma, t1 = (float)sigmaNext;
        var (low, high, sign) = Sort(t0, t1);
        using var scope = NewDisposeScope();
        var w = stack(_trees.Select(tree => tree.Increment(low, high)).ToList());
        if (_sign * sign < 0) w = -w;
        // float32 scale, as upstream's (t1 - t0).abs().sqrt() on float32 tensors.
        float scale = MathF.Sqrt(MathF.Abs(t1 - t0));
        return (w / scale).MoveToOuterDisposeScope();
    }

    /// <summary>This sampler as the SDE samplers' <see cref="Sampling.NoiseSampler"/>.</summary>
    public NoiseSampler AsNoiseSampler() => Sample;

    /// <summary>k-diffusion's sort: (a, b, +1) when a &lt; b, else (b, a, −1) — equal times count as reversed.</summary>
    private static (float Low, float High, int Sign) Sort(float a, float b) => a < b ? (a, b, 1) : (b, a, -1);

    public void Dispose()
    {
        foreach (var tree in _trees) tree.Dispose();
        _generator.Dispose();
    }
}
