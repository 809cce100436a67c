using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// The original's batch blend: the n generated images averaged by successive PIL blends (blend_average), superimposed on
/// the loop's current frame with superimpose_alpha, then composited through the mask (255 = generated).
/// </summary>
public static class BatchBlend
{
    /// <summary>
    /// <paramref name="generated"/> uint8 <c>[n,3,H,W]</c>; <paramref name="current"/> the un-blended current frame <c>[C,H,W]</c>.
    /// Returns an RGB frame <c>[3,H,W]</c>.
    /// </summary>
    public static Tensor Apply(Tensor generated, Tensor current, double superimposeAlpha, Tensor? mask, JobSpec job)
    {
        using var scope = NewDisposeScope();
        var images = Enumerable.Range(0, (int)generated.shape[0]).Select(k => generated[k]).ToList();
        var average = Average(images);
        var baseImage = FrameModes.Convert(current, (int)average.shape[0]);
        if (average.shape[1] != baseImage.shape[1] || average.shape[2] != baseImage.shape[2])
            average = FrameResize.Resize(average, (int)baseImage.shape[2], (int)baseImage.shape[1], job.ResizeMode);
        var output = ImageBlend.Blend(baseImage, average, superimposeAlpha);
        if (mask is not null) output = ImageBlend.Composite(output, baseImage, mask);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>blend_average: <c>acc = images[0]; acc = blend(acc, images[i], 1 / (i + 1))</c> for i = 1..n-1.</summary>
    public static Tensor Average(IReadOnlyList<Tensor> images)
    {
        var acc = images[0].alias();
        for (int i = 1; i < images.Count; i++)
        {
            var next = ImageBlend.Blend(acc, images[i], 1.0 / (i + 1));
            acc.Dispose();
            acc = next;
        }
        return acc;
    }
}
