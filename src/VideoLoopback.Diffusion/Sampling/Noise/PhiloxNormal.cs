namespace VideoLoopback.Diffusion.Sampling.Noise;

/// <summary>
/// Standard normal numbers exactly as torch.randn produces them on CUDA (and as WebUI's rng_philox
/// reproduces them on the CPU): Philox4x32-10 keyed by the 64-bit seed, counter = (call offset, 0,
/// element index, 0), and the first Box–Muller output of the first two words. Each call advances
/// the offset by one, like consecutive randn calls on one CUDA generator.
/// </summary>
public sealed class PhiloxNormal(ulong seed)
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private const uint W0 = 0x9E3779B9, W1 = 0xBB67AE85;
    // Box–Muller constants as float32, like upstream: 2^-32 and 2^-32·2π.
    private const float TwoPow32Inv = 2.3283064e-10f;
    private static readonly float TwoPow32Inv2Pi = (float)(2.3283064e-10 * 6.2831855);

    public ulong Seed { get; } = seed;

    public uint Offset { get; private set; }

    /// <summary>The next <paramref name="count"/> numbers (one randn call of that many elements).</summary>
    public float[] Next(long count)
    {
        if (count > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(count), count, "at most 2^32 numbers per call");
        var result = new float[count];
        uint offset = Offset++;
        uint keyLow = (uint)Seed, keyHigh = (uint)(Seed >> 32);
        double uOffset = (double)(TwoPow32Inv / 2), vOffset = (double)(TwoPow32Inv2Pi / 2);
        Parallel.For(0, (long)count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, index =>
        {
            uint c0 = offset, c1 = 0, c2 = (uint)index, c3 = 0, k0 = keyLow, k1 = keyHigh;
            for (int round = 0; round < 10; round++)
            {
                ulong p0 = (ulong)c0 * M0, p1 = (ulong)c2 * M1;
                uint n0 = (uint)(p1 >> 32) ^ c1 ^ k0;
                uint n2 = (uint)(p0 >> 32) ^ c3 ^ k1;
                c1 = (uint)p1;
                c3 = (uint)p0;
                c0 = n0;
                c2 = n2;
                k0 += W0;
                k1 += W1;
            }
            // numpy promotes uint32 × float32 to float64, so the transform runs in double.
            double u = c0 * (double)TwoPow32Inv + uOffset;
            double v = c1 * (double)TwoPow32Inv2Pi + vOffset;
            result[index] = (float)(Math.Sqrt(-2.0 * Math.Log(u)) * Math.Sin(v));
        });
        return result;
    }
}
