namespace VideoLoopback.Diffusion.Unet;

/// <summary>
/// The hyper-parameters of an LDM <c>UNetModel</c> (SpatialTransformer variant, no scale-shift norm).
/// Everything except the head count is read from the weights by <see cref="UnetConfigDetector"/>.
/// </summary>
/// <param name="AttentionLevels">for each level (0 = full resolution), whether its ResBlocks are followed by a SpatialTransformer
/// (the reference's attention_resolutions {1,2,4} = levels {0,1,2}).</param>
/// <param name="NumHeads">attention heads per SpatialTransformer. Not visible in the weights (only heads x head_dim is):
/// the SD1.x family fixes 8 heads at every width (v1-inference.yaml num_heads: 8), so that is the default.</param>
/// <param name="HeadChannels">when set, heads = width / HeadChannels instead (SD2.x's num_head_channels 64).</param>
public sealed record UnetConfig(
    long InChannels,
    long OutChannels,
    long ModelChannels,
    IReadOnlyList<long> ChannelMult,
    int NumResBlocks,
    IReadOnlyList<bool> AttentionLevels,
    bool MiddleAttention,
    int TransformerDepth,
    long ContextDim,
    bool UseLinearProjection,
    long TimeEmbedInput,
    int NumHeads = UnetConfig.Sd1NumHeads,
    long? HeadChannels = null)
{
    /// <summary>SD1.x (v1-inference.yaml / v1-inpainting-inference.yaml): num_heads 8, num_head_channels -1.</summary>
    public const int Sd1NumHeads = 8;

    /// <summary>The released SD1.5 UNet (v1-inference.yaml).</summary>
    public static UnetConfig StableDiffusion15(long inChannels = 4) => new(
        inChannels, 4, 320, [1, 2, 4, 4], 2, [true, true, true, false], true, 1, 768, false, 320);

    public long TimeEmbedDim => ModelChannels * 4;

    public int HeadsFor(long width) => HeadChannels is { } c ? checked((int)(width / c)) : NumHeads;
}
