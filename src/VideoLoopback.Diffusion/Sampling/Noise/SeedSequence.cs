using System.Numerics;

namespace VideoLoopback.Diffusion.Sampling.Noise;

/// <summary>
/// numpy's <c>numpy.random.SeedSequence</c> (the algorithm of numpy ≥ 1.19): entropy and a spawn key are
/// hashed into a pool of 32-bit words, from which any number of well-mixed seed words can be drawn.
/// torchsde's Brownian interval derives the seed of every node of its tree this way, so reproducing its
/// noise needs the exact same words.
/// </summary>
public sealed class SeedSequence
{
    public const int DefaultPoolSize = 4;

    // The hash constants of numpy's implementation (after M. E. O'Neill's seed_seq_fe).
    private const uint InitA = 0x43b0d7e5, MultA = 0x931e8875;
    private const uint InitB = 0x8b51f9dd, MultB = 0x58f38ded;
    private const uint MixMultL = 0xca01f9dd, MixMultR = 0x4973f715;
    private const int XShift = 16;

    private readonly uint[] _pool;
    private int _childrenSpawned;

    /// <param name="entropy">the run entropy, a non-negative integer (numpy takes arbitrary size, split into 32-bit words).</param>
    /// <param name="spawnKey">the path of this sequence in a spawn tree; each entry is a non-negative integer.</param>
    /// <param name="poolSize">pool words, ≥ 4.</param>
    public SeedSequence(BigInteger entropy, IReadOnlyList<BigInteger>? spawnKey = null, int poolSize = DefaultPoolSize)
    {
        if (poolSize < DefaultPoolSize) throw new ArgumentOutOfRangeException(nameof(poolSize), poolSize, $"pool size must be ≥ {DefaultPoolSize}");
        if (entropy.Sign < 0) throw new ArgumentOutOfRangeException(nameof(entropy), entropy, "entropy must be non-negative");
        Entropy = entropy;
        SpawnKey = spawnKey is null ? [] : [.. spawnKey];
        PoolSize = poolSize;
        _pool = new uint[poolSize];
        MixEntropy(AssembledEntropy());
    }

    public BigInteger Entropy { get; }
    public IReadOnlyList<BigInteger> SpawnKey { get; }
    public int PoolSize { get; }

    /// <summary><paramref name="count"/> 32-bit words drawn from the pool (numpy's generate_state with uint32).</summary>
    public uint[] GenerateState(int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "word count must be ≥ 0");
        var state = new uint[count];
        uint hashConst = InitB;
        unchecked
        {
            for (int i = 0; i < count; i++)
            {
                uint value = _pool[i % _pool.Length];
                value ^= hashConst;
                hashConst *= MultB;
                value *= hashConst;
                value ^= value >> XShift;
                state[i] = value;
            }
        }
        return state;
    }

    /// <summary>The next <paramref name="count"/> child sequences: same entropy, spawn key extended by the child index.</summary>
    public SeedSequence[] Spawn(int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "child count must be ≥ 0");
        var children = new SeedSequence[count];
        for (int i = 0; i < count; i++)
            children[i] = new SeedSequence(Entropy, [.. SpawnKey, new BigInteger(_childrenSpawned + i)], PoolSize);
        _childrenSpawned += count;
        return children;
    }

    /// <summary>Run entropy then spawn key as 32-bit words; with a spawn key the run entropy is zero-padded to the pool size.</summary>
    private uint[] AssembledEntropy()
    {
        var run = Words(Entropy);
        var spawn = SpawnKey.SelectMany(Words).ToList();
        // numpy pads here (since 1.19) so that a spawned key can never collide with a longer run entropy.
        if (spawn.Count > 0 && run.Count < PoolSize) run.AddRange(new uint[PoolSize - run.Count]);
        return [.. run, .. spawn];
    }

    /// <summary>A non-negative integer as little-endian 32-bit words; zero is one word.</summary>
    private static List<uint> Words(BigInteger value)
    {
        if (value.Sign < 0) throw new ArgumentOutOfRangeException(nameof(value), value, "seed sequence inputs must be non-negative");
        var words = new List<uint>();
        if (value.IsZero) words.Add(0);
        while (value > 0)
        {
            words.Add((uint)(value & uint.MaxValue));
            value >>= 32;
        }
        return words;
    }

    private void MixEntropy(uint[] entropy)
    {
        uint hashConst = InitA;
        unchecked
        {
            uint HashMix(uint value)
            {
                value ^= hashConst;
                hashConst *= MultA;
                value *= hashConst;
                value ^= value >> XShift;
                return value;
            }

            static uint Mix(uint x, uint y)
            {
                uint result = MixMultL * x - MixMultR * y;
                return result ^ (result >> XShift);
            }

            // Entropy words into the pool (the hash keeps running over missing words as zeros) ...
            for (int i = 0; i < _pool.Length; i++)
                _pool[i] = HashMix(i < entropy.Length ? entropy[i] : 0);
            // ... every word mixed into every other so late words affect early ones ...
            for (int src = 0; src < _pool.Length; src++)
                for (int dst = 0; dst < _pool.Length; dst++)
                    if (src != dst) _pool[dst] = Mix(_pool[dst], HashMix(_pool[src]));
            // ... and entropy beyond the pool size mixed into each word.
            for (int src = _pool.Length; src < entropy.Length; src++)
                for (int dst = 0; dst < _pool.Length; dst++)
                    _pool[dst] = Mix(_pool[dst], HashMix(entropy[src]));
        }
    }
}
