using TorchSharp;
using VideoLoopback.Video.FastDvdNet;
using static TorchSharp.torch;
using VideoLoopback.Tests.Shared;

namespace VideoLoopback.Video.Tests.FastDvdNet;

/// <summary>
/// The chunked sequence path (stage-one reuse, carry between chunks, mirrored edges) against the plain
/// one-window-per-frame path on the same weights.
/// </summary>
[Collection(LibTorchSwitchCollection.Name)]
public sealed class SequenceDenoiserTests
{
    private static FastDvdNetPostProcess Post(long pixelsPerBatch) =>
        new(FastDvdNetWeights.Load(FastDvdNetGoldenCase.WeightsPath, CPU), pixelsPerBatch);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(6, 1)]
    [InlineData(6, 2)]
    [InlineData(6, 100)]
    public void ChunkedSequenceEqualsOneWindowPerFrame(int frames, int framesPerBatch)
    {
        var noisy = rand([frames, 3, 10, 14], generator: new Generator(7));  // 10x14: padded to 12x16 inside
        using var post = Post(framesPerBatch * 12 * 16);
        using var sequence = post.DenoiseSequence(noisy, 0.1);
        for (var f = 0; f < frames; f++)
        {
            var window = cat(Enumerable.Range(f - 2, 5).Select(j => noisy[MirroredFrameIndex.Of(j, frames)].unsqueeze(0)).ToArray(), 1);
            using var single = post.DenoiseWindow(window, 0.1);
            var error = (single - sequence.narrow(0, f, 1)).abs().max().item<float>();
            Assert.True(error <= 1e-5, $"{frames} frames, batch {framesPerBatch}: frame {f} differs by {error:E2}");
        }
    }

    [Fact]
    public void SeededApplyIsReproducibleAndIndependentOfTheBatchSize()
    {
        var frames = randint(0, 256, [5, 3, 12, 12], ScalarType.Byte);
        using var small = Post(12 * 12);
        using var large = Post(100 * 12 * 12);
        using var a = small.Apply(frames, 30, 0.5, new Generator(42));
        using var b = large.Apply(frames, 30, 0.5, new Generator(42));
        using var c = large.Apply(frames, 30, 0.5, new Generator(43));
        Assert.True((a.to(ScalarType.Int32) - b.to(ScalarType.Int32)).abs().max().item<int>() <= 1, "same seed, other batch size: frames differ by more than 1");
        Assert.False(b.allclose(c, 0, 0), "another seed gave the same frames");
    }
}
