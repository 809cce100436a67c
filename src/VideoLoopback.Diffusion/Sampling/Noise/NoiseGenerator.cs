using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling.Noise;

/// <summary>One seeded stream of standard normal noise; each call continues the stream.</summary>
public abstract class NoiseGenerator : IDisposable
{
    /// <summary>A generator of <paramref name="source"/> seeded with <paramref name="seed"/>, producing tensors on <paramref name="device"/>.</summary>
    public static NoiseGenerator Create(RandnSource source, ulong seed, Device device) => source switch
    {
        RandnSource.NV => new PhiloxNoiseGenerator(seed, device),
        RandnSource.Cpu => new TorchNoiseGenerator(seed, CPU, device),
        _ => new TorchNoiseGenerator(seed, device, device),
    };

    /// <summary>float32 noise of <paramref name="shape"/> on the generator's device.</summary>
    public abstract Tensor Randn(long[] shape);

    /// <summary>
    /// Restarts the stream from <paramref name="seed"/>, exactly as a new generator with that seed would
    /// start (torch's manual_seed resets the whole state); far cheaper than creating a torch generator.
    /// </summary>
    public abstract void Reseed(ulong seed);

    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>torch's own generator on <c>generatorDevice</c> (CPU for the CPU source), results moved to the target device.</summary>
internal sealed class TorchNoiseGenerator(ulong seed, Device generatorDevice, Device device) : NoiseGenerator
{
    private readonly Generator _generator = new(seed, generatorDevice);

    public override void Reseed(ulong seed) => _generator.manual_seed((long)seed);

    public override Tensor Randn(long[] shape)
    {
        var values = randn(shape, dtype: ScalarType.Float32, device: generatorDevice, generator: _generator);
        if (generatorDevice == device) return values;
        using (values) return values.to(device);
    }

    public override void Dispose()
    {
        _generator.Dispose();
        base.Dispose();
    }
}

/// <summary>The NV source: Philox numbers computed on the host, then placed on the device.</summary>
internal sealed class PhiloxNoiseGenerator(ulong seed, Device device) : NoiseGenerator
{
    private PhiloxNormal _philox = new(seed);

    public override void Reseed(ulong seed) => _philox = new PhiloxNormal(seed);

    public override Tensor Randn(long[] shape)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        return tensor(_philox.Next(count), shape, dtype: ScalarType.Float32, device: device);
    }
}
