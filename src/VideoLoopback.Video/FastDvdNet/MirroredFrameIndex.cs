namespace VideoLoopback.Video.FastDvdNet;

/// <summary>
/// Frame indices outside a sequence, mirrored at both ends without repeating the edge frame, as the
/// reference does (for 7 frames the window of frame 0 is 2,1,0,1,2 and of frame 6 is 4,5,6,5,4).
/// </summary>
public static class MirroredFrameIndex
{
    /// <summary>
    /// The frame that stands at position <paramref name="index"/> of a sequence of <paramref name="count"/> frames.
    /// For 3 or more frames this is exactly the reference's rule; for 1 or 2 frames, where the reference
    /// fails (its first window reaches frame 2), the mirroring is repeated so every index lands inside.
    /// </summary>
    public static int Of(int index, int count)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "a sequence needs at least one frame");
        if (count == 1) return 0;
        var period = 2 * (count - 1);
        var folded = ((index % period) + period) % period;
        return folded < count ? folded : period - folded;
    }
}
