using static TorchSharp.torch;

namespace VideoLoopback.Video.FastDvdNet;

/// <summary>
/// The additive noise for frames [start, start+count): a float32 tensor [count,C,H,W] on the frames' device.
/// Called with consecutive, increasing ranges that together cover the sequence once.
/// </summary>
public delegate Tensor NoiseSource(int start, int count);

/// <summary>Noise sources for the post-process.</summary>
public static class FastDvdNetNoise
{
    /// <summary>
    /// Gaussian noise N(0, sigma) from <paramref name="generator"/>, drawn in consecutive blocks. PyTorch's CPU
    /// sampler fills 16 values at a time and redraws the last 16 of a tensor whose size is not a multiple of 16,
    /// so every block but the last holds a multiple of 16 values: the blocks then give exactly the values of
    /// one draw over the whole sequence (the reference's <c>empty_like(seq).normal_(0, sigma)</c> after seeding).
    /// </summary>
    public static NoiseSource Gaussian(double sigma, long channels, long height, long width, Device device, Generator generator) =>
        (start, count) => empty([count, channels, height, width], ScalarType.Float32, device).normal_(0, sigma, generator);

    /// <summary>Frames per noise draw so that a draw holds a multiple of 16 values (see <see cref="Gaussian"/>).</summary>
    public static int FramesPerDraw(long valuesPerFrame, int atLeast)
    {
        var aligned = (int)(16 / GreatestCommonDivisor(valuesPerFrame, 16));
        return (Math.Max(atLeast, 1) + aligned - 1) / aligned * aligned;
    }

    private static long GreatestCommonDivisor(long a, long b) => b == 0 ? a : GreatestCommonDivisor(b, a % b);
}
