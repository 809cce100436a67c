namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>
/// The part of numpy's legacy global generator (np.random.seed(n) then np.random.uniform) the shuffle preprocessor uses:
/// MT19937 seeded with init_genrand, doubles built from two 32-bit draws (27 + 26 bits).
/// </summary>
public sealed class NumpyRandomState
{
    private const int N = 624, M = 397;
    private readonly uint[] _state = new uint[N];
    private int _position;

    public NumpyRandomState(uint seed)
    {
        _state[0] = seed;
        for (int i = 1; i < N; i++) _state[i] = 1812433253u * (_state[i - 1] ^ (_state[i - 1] >> 30)) + (uint)i;
        _position = N;
    }

    /// <summary>np.random.uniform(0, 1): one double in [0, 1).</summary>
    public double NextDouble()
    {
        ulong a = NextUInt32() >> 5, b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    public uint NextUInt32()
    {
        if (_position >= N) Twist();
        uint y = _state[_position++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        return y ^ (y >> 18);
    }

    private void Twist()
    {
        for (int i = 0; i < N; i++)
        {
            uint y = (_state[i] & 0x80000000u) | (_state[(i + 1) % N] & 0x7fffffffu);
            _state[i] = _state[(i + M) % N] ^ (y >> 1) ^ ((y & 1) != 0 ? 0x9908b0dfu : 0u);
        }
        _position = 0;
    }
}
