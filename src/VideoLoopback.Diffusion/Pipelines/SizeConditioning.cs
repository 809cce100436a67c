using VideoLoopback.Diffusion.Unet;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// SDXL's size conditioning: the original image size, the crop's top-left corner and the target size (each as height, width),
/// which sgm's <c>ConcatTimestepEmbedderND</c> embeds as six sinusoidal timestep features and the UNet's label_emb reads after
/// the pooled text. WebUI (sd_models_xl.get_learned_conditioning) gives the generation size as both original and target size
/// and its crop options (0, 0 by default) as the crop.
/// </summary>
public sealed record SizeConditioning(int OriginalHeight, int OriginalWidth, int CropTop, int CropLeft, int TargetHeight, int TargetWidth)
{
    /// <summary>WebUI's values for a <paramref name="width"/> × <paramref name="height"/> generation.</summary>
    public static SizeConditioning ForGeneration(int width, int height, int cropTop = 0, int cropLeft = 0) =>
        new(height, width, cropTop, cropLeft, height, width);

    /// <summary>
    /// The six values embedded with <paramref name="featuresPerValue"/> features each, in sgm's order
    /// (original_size_as_tuple, crop_coords_top_left, target_size_as_tuple) → [6·featuresPerValue] float32.
    /// </summary>
    public Tensor Embed(long featuresPerValue, Device device)
    {
        using var scope = NewDisposeScope();
        var values = tensor(new float[] { OriginalHeight, OriginalWidth, CropTop, CropLeft, TargetHeight, TargetWidth }, device: device);
        return TimestepEmbedding.Sinusoidal(values, featuresPerValue).reshape(-1).MoveToOuterDisposeScope();
    }
}
