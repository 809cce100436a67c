using VideoLoopback.Diffusion.Sampling.Noise;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sampling;

/// <summary>
/// Properties of the Brownian tree that WebUI relies on and the goldens do not show directly: the noise is
/// a function of (seed, interval) alone — not of the batch, the query order or the cache — and the GPU RNG
/// source on a CPU device is the CPU source.
/// </summary>
[Trait("Area", "sampling")]
public class BrownianTreeTests
{
    private static readonly float[] Sigmas = [14.614643f, 7.839883f, 4.609174f, 2.918307f, 1.9501615f, 0.9323580f, 0.36865777f, 0.029167537f, 0f];

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void ImageNoiseDoesNotDependOnItsBatch()
    {
        using var scope = NewDisposeScope();
        using var pair = BrownianTreeNoiseSampler.For(zeros(2, 4, 8, 8), Sigmas, [1234UL, 99UL], RandnSource.Cpu);
        using var alone = BrownianTreeNoiseSampler.For(zeros(1, 4, 8, 8), Sigmas, [99UL], RandnSource.Cpu);
        for (int i = 0; i < Sigmas.Length - 2; i++)
            Assert.True(Same(pair.Sample(Sigmas[i], Sigmas[i + 1])[1], alone.Sample(Sigmas[i], Sigmas[i + 1])[0]), $"step {i}: seed 99 in a batch differs from seed 99 alone");
    }

    [Fact]
    public void IncrementsDoNotDependOnQueryOrderOrCache()
    {
        using var scope = NewDisposeScope();
        var queries = Enumerable.Range(0, Sigmas.Length - 2).Select(i => ((double)Sigmas[i + 1], (double)Sigmas[i])).ToList();
        using var generator = new Generator(0);
        Tensor Draw(uint seed) => randn([4, 8, 8], generator: generator.manual_seed(seed));
        using var forward = new BrownianInterval(Sigmas[^2], Sigmas[0], 7, Draw);
        using var backward = new BrownianInterval(Sigmas[^2], Sigmas[0], 7, Draw, cacheSize: 1);
        var inOrder = queries.Select(q => forward.Increment(q.Item1, q.Item2)).ToList();
        var reversed = Enumerable.Reverse(queries).Select(q => backward.Increment(q.Item1, q.Item2)).Reverse().ToList();
        for (int i = 0; i < queries.Count; i++)
            Assert.True(Same(inOrder[i], reversed[i]), $"interval {queries[i]}: a different query order or cache size changed the increment");
        // Brownian increments add up over adjacent intervals (up to float32 summation order).
        var whole = forward.Increment(Sigmas[^2], Sigmas[0]);
        double gap = (whole - inOrder.Aggregate((a, b) => a + b)).abs().max().item<float>();
        Assert.True(gap < 1e-5, $"increments over adjacent intervals do not sum to the whole: max gap {gap:E2}");
    }

    [Fact]
    public void GpuSourceOnACpuDeviceIsTheCpuSource()
    {
        using var scope = NewDisposeScope();
        using var cpu = BrownianTreeNoiseSampler.For(zeros(1, 4, 8, 8), Sigmas, [5UL], RandnSource.Cpu);
        using var gpu = BrownianTreeNoiseSampler.For(zeros(1, 4, 8, 8), Sigmas, [5UL], RandnSource.Gpu);
        Assert.True(Same(cpu.Sample(Sigmas[0], Sigmas[1]), gpu.Sample(Sigmas[0], Sigmas[1])), "GPU source on the CPU device differs from the CPU source");
    }

    [Fact]
    public void OneSeedPerImageIsRequired()
    {
        var error = Assert.Throws<ArgumentException>(() => BrownianTreeNoiseSampler.For(zeros(2, 4, 8, 8), Sigmas, [1UL], RandnSource.Cpu));
        Assert.Contains("1 seeds for a batch of 2", error.Message);
    }
}
