using VideoLoopback.Diffusion.Unet;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// SDXL's size conditioning: the original image size, the crop's top-left corner and the target size (each as height, width),
/// which sgm's <c>ConcatTimestepEmbedderND</c> embeds as six sinusoidal timestep features and the UNet's label_emb reads after
/// the pooled text. WebUI (sd_models_xl.get_learned_conditioning) gives the generation size as both original and target size
/// and its crop options (0, 0 by default) as the crop. The SDXL refiner (sd_xl_refiner.yaml) embeds no target size but an
/// aesthetic score after the crop, which WebUI sets per row: high for prompts, low for negative prompts.
/// </summary>
public sealed record SizeConditioning(int OriginalHeight, int OriginalWidth, int CropTop, int CropLeft, int TargetHeight, int TargetWidth)
{
    /// <summary>WebUI's values for a <paramref name="width"/> × <paramref name="height"/> generation.</summary>
    public static SizeConditioning ForGeneration(int width, int height, int cropTop = 0, int cropLeft = 0) =>
        new(height, width, cropTop, cropLeft, height, width);

    /// <summary>WebUI's default sdxl_refiner_high_aesthetic_score: the refiner's aesthetic score for prompts.</summary>
    public const float RefinerHighAestheticScore = 6.0f;

    /// <summary>WebUI's default sdxl_refiner_low_aesthetic_score: the refiner's aesthetic score for negative prompts.</summary>
    public const float RefinerLowAestheticScore = 2.5f;

    /// <summary>The base's six values in sgm's embedder order: original size, crop, target size (each height first).</summary>
    public float[] BaseValues() => [OriginalHeight, OriginalWidth, CropTop, CropLeft, TargetHeight, TargetWidth];

    /// <summary>The refiner's five values in sgm's embedder order: original size, crop, aesthetic score.</summary>
    public float[] RefinerValues(bool negative) =>
        [OriginalHeight, OriginalWidth, CropTop, CropLeft, negative ? RefinerLowAestheticScore : RefinerHighAestheticScore];

    /// <summary><paramref name="values"/> each embedded with <paramref name="featuresPerValue"/> features → [n·featuresPerValue] float32.</summary>
    public static Tensor Embed(float[] values, long featuresPerValue, Device device)
    {
        using var scope = NewDisposeScope();
        return TimestepEmbedding.Sinusoidal(tensor(values, device: device), featuresPerValue).reshape(-1).MoveToOuterDisposeScope();
    }
}
