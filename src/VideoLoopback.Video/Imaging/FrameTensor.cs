using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Imaging;

/// <summary>
/// Shape checks shared by the image operations: frames are uint8 [C,H,W] or [N,C,H,W];
/// operations work on [N,C,H,W] and hand back the caller's rank.
/// </summary>
internal static class FrameTensor
{
    /// <summary>A [N,C,H,W] view of <paramref name="frames"/>; fails with a message naming <paramref name="what"/>.</summary>
    public static Tensor AsBatch(Tensor frames, string what)
    {
        ArgumentNullException.ThrowIfNull(frames, what);
        if (frames.dtype != ScalarType.Byte)
            throw new ArgumentException($"{what}: expected a uint8 image tensor, got {frames.dtype}", what);
        if (frames.dim() == 3) return frames.unsqueeze(0);
        if (frames.dim() == 4) return frames.alias();
        throw new ArgumentException(
            $"{what}: expected an image tensor [C,H,W] or [N,C,H,W], got shape [{string.Join(",", frames.shape)}]", what);
    }

    /// <summary>Gives <paramref name="batched"/> [N,C,H,W] the rank of <paramref name="like"/>.</summary>
    public static Tensor Restore(Tensor batched, Tensor like) => like.dim() == 3 ? batched.squeeze(0) : batched;

    public static ImageMode Mode(Tensor frames) => ImageModes.FromChannels(frames.shape[^3]);

    /// <summary>A mask as [N|1,1,H,W]: accepts [H,W], [1,H,W] or [N,1,H,W].</summary>
    public static Tensor MaskAsBatch(Tensor mask, string what)
    {
        ArgumentNullException.ThrowIfNull(mask, what);
        if (mask.dtype != ScalarType.Byte)
            throw new ArgumentException($"{what}: expected a uint8 'L' mask, got {mask.dtype}", what);
        var m = mask.dim() switch
        {
            2 => mask.unsqueeze(0).unsqueeze(0),
            3 => mask.unsqueeze(0),
            4 => mask.alias(),
            _ => throw new ArgumentException($"{what}: expected a mask [H,W], [1,H,W] or [N,1,H,W], got shape [{string.Join(",", mask.shape)}]", what),
        };
        if (m.shape[1] != 1)
            throw new ArgumentException($"{what}: expected a 1-channel 'L' mask, got {m.shape[1]} channels", what);
        return m;
    }

    public static void RequireSameShape(Tensor a, Tensor b, string operation)
    {
        if (!a.shape.SequenceEqual(b.shape))
            throw new ArgumentException(
                $"{operation}: images differ in shape ([{string.Join(",", a.shape)}] vs [{string.Join(",", b.shape)}]); PIL requires the same mode and size");
    }
}
