using System.Numerics;
using VideoLoopback.Diffusion.Sampling.Noise;

namespace VideoLoopback.Diffusion.Tests.Sampling;

/// <summary>
/// The two Python behaviours the Brownian tree rests on, checked against values printed by the upstream
/// implementations themselves (numpy 1.24.2 <c>numpy.random.SeedSequence</c>, CPython 3.11 <c>round</c>),
/// so that a tree mismatch can be told apart from a seed or rounding mismatch.
/// </summary>
[Trait("Area", "sampling")]
public class SeedSequenceTests
{
    public static TheoryData<string, ulong, ulong[]?, int, uint[]> States() => new()
    {
        // SeedSequence(entropy, spawn_key=..., pool_size=...).generate_state(n)
        { "root of a torchsde tree", 1234, null, 24, [4280268349, 3829106894, 2675148735] },
        { "node (0, 0)", 1234, [0, 0], 24, [840100010, 4216861537, 2835682605, 1180521712] },
        { "node (5, 3)", 1234, [5, 3], 24, [1860635963, 869273324, 1971674113, 2280051663] },
        { "multi-word entropy and key", (1UL << 40) + 7, [(1UL << 33) + 1, 40], 24, [3761892614, 1946914326, 465365058, 3300905416] },
        { "default pool", 4294967295, null, 4, [1992424968, 705021410, 3255730584, 540206095] },
    };

    [Theory]
    [MemberData(nameof(States))]
    public void GenerateStateMatchesNumpy(string what, ulong entropy, ulong[]? spawnKey, int poolSize, uint[] expected)
    {
        var sequence = new SeedSequence(entropy, spawnKey?.Select(k => new BigInteger(k)).ToList(), poolSize);
        var actual = sequence.GenerateState(expected.Length);
        Assert.True(expected.SequenceEqual(actual), $"{what}: got [{string.Join(", ", actual)}], numpy [{string.Join(", ", expected)}]");
    }

    [Fact]
    public void SpawnedChildrenMatchNumpy()
    {
        var parent = new SeedSequence(99);
        var children = parent.Spawn(2);
        Assert.Equal([3816471015u, 2344215710u], children[0].GenerateState(2));
        Assert.Equal([1632958224u, 1757680367u], children[1].GenerateState(2));
        Assert.Equal([new BigInteger(2)], parent.Spawn(1)[0].SpawnKey);
    }

    [Theory]
    [InlineData(2.675, 2, 2.67)]                  // binary value below the half
    [InlineData(5e-7, 6, 0.0)]
    [InlineData(1.5e-6, 6, 2e-6)]
    [InlineData(2.5e-6, 6, 3e-6)]
    [InlineData(14.614643096923828, 6, 14.614643)]
    [InlineData(0.0291675366461277, 6, 0.029168)]
    [InlineData(7.3051245, 6, 7.305124)]
    [InlineData(7.3219055, 6, 7.321905)]
    [InlineData(1e300, 6, 1e300)]
    [InlineData(-3.0000005, 6, -3.000001)]
    [InlineData(123456.7890125, 6, 123456.789012)]
    public void RoundMatchesPython(double x, int digits, double expected)
    {
        double actual = DecimalRounding.Round(x, digits);
        Assert.True(expected == actual, $"round({x:R}, {digits}): got {actual:R}, Python {expected:R}");
    }
}
