using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// The init image of a frame: its temporal neighbours blended as the original's TemporalImageBlender does,
/// then, with a mask, composited back onto the current frame (mask 255 = blended).
/// </summary>
public static class TemporalBlend
{
    /// <summary>
    /// 'simple': a running normalised blend, <c>out = window[0]; s += a; out = blend(out, img, a / s)</c> with PIL's truncation at
    /// every step (not a float weighted average); weights whose running sum is not positive are skipped.
    /// </summary>
    public static Tensor Simple(FrameStore frames, TemporalWindow window, IReadOnlyList<double> alphas, Tensor? mask)
    {
        var output = frames[window.Frames[0]].Pixels.alias();
        double sum = 0.0;
        foreach (var (alpha, frame) in window.Weighted(alphas))
        {
            sum += alpha;
            if (sum <= 0) continue;
            using var img = FrameModes.Convert(frames[frame].Pixels, (int)output.shape[0]);
            var next = ImageBlend.Blend(output, img, alpha / sum);
            output.Dispose();
            output = next;
        }
        return WithMask(output, frames[window.CurrentFrame].Pixels, mask);
    }

    /// <summary>
    /// 'with difference mask from reference': each window frame is composited over the current frame through a mask that
    /// is 255 where its reference frame differs from the current reference frame and <c>round(255 * (1 - alpha))</c> where
    /// equal; the composites are averaged (blend_average). Only the first reference directory takes part.
    /// </summary>
    public static Tensor WithDifferenceMask(FrameStore frames, TemporalWindow window, FrameStore reference,
        TemporalWindow referenceWindow, IReadOnlyList<double> alphas, Tensor? mask)
    {
        var current = frames[window.CurrentFrame].Pixels;
        var refFrames = referenceWindow.Frames;
        if (window.CurrentPosition >= refFrames.Count)
            throw new JobException("reference_frames_directory: the first reference folder has too few frames for the temporal window");
        var referenceCurrent = reference[refFrames[window.CurrentPosition]].Pixels;
        var weighted = window.Weighted(alphas).ToList();
        int n = Math.Min(weighted.Count, refFrames.Count);
        var composites = new List<Tensor>(n);
        for (int j = 0; j < n; j++)
        {
            var (alpha, frame) = weighted[j];
            using var scope = NewDisposeScope();
            var difference = FrameModes.Convert(ImageBlend.Difference(referenceCurrent, reference[refFrames[j]].Pixels), 1);
            var lut = ImagePoint.Lut(x => x > 0 ? 255 : 255 * (1 - alpha));
            composites.Add(ImageBlend.Composite(current, frames[frame].Pixels, ImagePoint.Point(difference, lut)).MoveToOuterDisposeScope());
        }
        var average = BatchBlend.Average(composites);
        foreach (var c in composites) c.Dispose();
        return WithMask(average, current, mask);
    }

    private static Tensor WithMask(Tensor blended, Tensor current, Tensor? mask)
    {
        if (mask is null) return blended;
        using (blended) return ImageBlend.Composite(blended, current, mask);
    }
}
