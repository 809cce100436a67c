namespace VideoLoopback.Diffusion.Sampling.Noise;

/// <summary>
/// WebUI's per-image seeds for a batch (processing.py): without variation every image gets seed + i;
/// with a variation strength every image keeps the same seed and the subseeds count up instead.
/// </summary>
public static class BatchSeeds
{
    public static (ulong[] Seeds, ulong[] Subseeds) For(ulong seed, ulong subseed, double subseedStrength, int batchSize)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be ≥ 1");
        var seeds = new ulong[batchSize];
        var subseeds = new ulong[batchSize];
        for (int i = 0; i < batchSize; i++)
        {
            seeds[i] = subseedStrength == 0 ? seed + (ulong)i : seed;
            subseeds[i] = subseed + (ulong)i;
        }
        return (seeds, subseeds);
    }
}
