using VideoLoopback.Video.Loopback;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>The window edges of the original's TemporalImageBlender (README semantics 4), frame by frame.</summary>
public sealed class TemporalWindowTests
{
    [Fact]
    public void WindowOfFiveOverSixFrames()
    {
        var w = new TemporalWindow(6, 5);
        // (window frames, current position, weights used) per frame, as the original's deque gives them.
        var expected = new (int[] Frames, int Pos, double[] Alphas)[]
        {
            ([0, 1, 2], 0, [3, 4, 5]),
            ([0, 1, 2, 3], 1, [2, 3, 4, 5]),
            ([0, 1, 2, 3, 4], 2, [1, 2, 3, 4, 5]),
            ([1, 2, 3, 4, 5], 2, [1, 2, 3, 4, 5]),
            ([2, 3, 4, 5], 2, [1, 2, 3, 4]),
            ([3, 4, 5], 2, [1, 2, 3]),
        };
        double[] alphas = [1, 2, 3, 4, 5];
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Frames, w.Frames);
            Assert.Equal(expected[i].Pos, w.CurrentPosition);
            Assert.Equal(i, w.CurrentFrame);
            Assert.Equal(expected[i].Alphas, w.Weighted(alphas).Select(x => x.Alpha));
            w.MoveNext();
        }
    }

    [Fact]
    public void ShorterListClampsToItsLastFrame()
    {
        var w = new TemporalWindow(2, 3);
        w.MoveNext();
        Assert.Equal(1, w.CurrentFrame);
        w.MoveNext();
        Assert.Equal(1, w.CurrentFrame);
    }

    [Fact]
    public void TooFewFramesForTheWindow() => Assert.Throws<JobException>(() => new TemporalWindow(2, 5));
}
