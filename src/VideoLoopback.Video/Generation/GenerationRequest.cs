using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Generation;

/// <summary>
/// A batch of frames to run through img2img (or inpainting when a frame has a mask). Frames of one loop are
/// independent, so the engine hands several to the generator at once; the result must equal one call per frame.
/// The request does not own its tensors: the caller disposes them after <see cref="IFrameGenerator.Generate"/> returns.
/// </summary>
public sealed class GenerationRequest
{
    /// <summary>Init images, uint8 <c>[N,C,H,W]</c> on the engine's device, C = 3 (RGB) or 4 (RGBA; alpha is not image content).</summary>
    public Tensor InitImages { get; }

    /// <summary>Per frame settings, N entries.</summary>
    public IReadOnlyList<FrameGenerationParams> Frames { get; }

    /// <summary>Per frame inpainting mask, uint8 <c>[1,H,W]</c> (255 = regenerate, 0 = keep), or null for plain img2img. N entries.</summary>
    public IReadOnlyList<Tensor?> Masks { get; }

    /// <summary>Per frame control images (one per reference directory, in order), each uint8 <c>[C,H,W]</c>. N entries.</summary>
    public IReadOnlyList<IReadOnlyList<Tensor>> ControlImages { get; }

    public GenerationRequest(Tensor initImages, IReadOnlyList<FrameGenerationParams> frames,
        IReadOnlyList<Tensor?> masks, IReadOnlyList<IReadOnlyList<Tensor>> controlImages)
    {
        if (initImages.dtype != ScalarType.Byte || initImages.dim() != 4)
            throw new ArgumentException($"init images must be uint8 [N,C,H,W], got {initImages.dtype} [{string.Join(",", initImages.shape)}]", nameof(initImages));
        long n = initImages.shape[0];
        if (frames.Count != n || masks.Count != n || controlImages.Count != n)
            throw new ArgumentException($"a request of {n} init images needs {n} frame settings, masks and control lists " +
                                        $"(got {frames.Count}, {masks.Count}, {controlImages.Count})");
        InitImages = initImages;
        Frames = frames;
        Masks = masks;
        ControlImages = controlImages;
    }

    public int Count => Frames.Count;
}
