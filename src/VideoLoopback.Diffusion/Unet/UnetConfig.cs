namespace VideoLoopback.Diffusion.Unet;

/// <summary>
/// The hyper-parameters of an LDM / sgm <c>UNetModel</c> (SpatialTransformer variant, no scale-shift norm).
/// Everything except the head count is read from the weights by <see cref="UnetConfigDetector"/>.
/// </summary>
/// <param name="AttentionLevels">for each level (0 = full resolution), whether its ResBlocks are followed by a SpatialTransformer
/// (the reference's attention_resolutions {1,2,4} = levels {0,1,2}).</param>
/// <param name="TransformerDepth">transformer blocks per SpatialTransformer, where no per-level depth overrides it.</param>
/// <param name="NumHeads">attention heads per SpatialTransformer. Not visible in the weights (only heads x head_dim is):
/// the SD1.x family fixes 8 heads at every width (v1-inference.yaml num_heads: 8), so that is the default.</param>
/// <param name="HeadChannels">when set, heads = width / HeadChannels instead (SD2.x's num_head_channels 64).</param>
/// <param name="LevelTransformerDepths">transformer blocks per level (sgm's list transformer_depth, SDXL [0,2,10]);
/// null = <paramref name="TransformerDepth"/> at every attention level.</param>
/// <param name="MiddleTransformerDepth">transformer blocks of the middle block; null = <paramref name="TransformerDepth"/>.</param>
/// <param name="AdmInChannels">width of the vector y that sgm's label_emb (linear, SiLU, linear) adds to the timestep
/// embedding (SDXL: 2816); 0 = no label_emb.</param>
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
    long? HeadChannels = null,
    IReadOnlyList<int>? LevelTransformerDepths = null,
    int? MiddleTransformerDepth = null,
    long AdmInChannels = 0)
{
    /// <summary>SD1.x (v1-inference.yaml / v1-inpainting-inference.yaml): num_heads 8, num_head_channels -1.</summary>
    public const int Sd1NumHeads = 8;

    /// <summary>The released SD1.5 UNet (v1-inference.yaml).</summary>
    public static UnetConfig StableDiffusion15(long inChannels = 4) => new(
        inChannels, 4, 320, [1, 2, 4, 4], 2, [true, true, true, false], true, 1, 768, false, 320);

    /// <summary>
    /// The SDXL base UNet (sd_xl_base.yaml): three levels, attention at the two lower ones (attention_resolutions [4,2]) with
    /// 2 and 10 transformer blocks, 10 in the middle, 64-wide heads, linear projections, context 2048 (CLIP-L ++ bigG), and
    /// label_emb over the 2816-wide vector (pooled bigG 1280 + six 256-wide size embeddings).
    /// </summary>
    public static UnetConfig StableDiffusionXL() => new(
        4, 4, 320, [1, 2, 4], 2, [false, true, true], true, 10, 2048, true, 320, HeadChannels: 64,
        LevelTransformerDepths: [0, 2, 10], MiddleTransformerDepth: 10, AdmInChannels: 2816);

    /// <summary>The SDXL refiner's UNet (sd_xl_refiner.yaml): four levels, depth 4 at levels 1, 2 and the middle, context 1280, vector 2560.</summary>
    public static UnetConfig StableDiffusionXLRefiner() => new(
        4, 4, 384, [1, 2, 4, 4], 2, [false, true, true, false], true, 4, 1280, true, 384, HeadChannels: 64, AdmInChannels: 2560);

    public long TimeEmbedDim => ModelChannels * 4;

    public int HeadsFor(long width) => HeadChannels is { } c ? checked((int)(width / c)) : NumHeads;

    /// <summary>Transformer blocks of each SpatialTransformer at <paramref name="level"/> (0 where the level has no attention).</summary>
    public int DepthAt(int level) =>
        !AttentionLevels[level] ? 0 : LevelTransformerDepths is { } depths ? depths[level] : TransformerDepth;

    /// <summary>Transformer blocks of the middle block's SpatialTransformer (0 without one).</summary>
    public int MiddleDepth => !MiddleAttention ? 0 : MiddleTransformerDepth ?? TransformerDepth;

    /// <summary>
    /// Whether two configs build the same network: value equality on the lists (the record's own equality compares them by
    /// reference) and on the effective transformer depths, however they are spelled.
    /// </summary>
    public bool SameArchitecture(UnetConfig other) =>
        InChannels == other.InChannels && OutChannels == other.OutChannels && ModelChannels == other.ModelChannels
        && ChannelMult.SequenceEqual(other.ChannelMult) && NumResBlocks == other.NumResBlocks
        && AttentionLevels.SequenceEqual(other.AttentionLevels) && MiddleAttention == other.MiddleAttention
        && Enumerable.Range(0, ChannelMult.Count).All(l => DepthAt(l) == other.DepthAt(l)) && MiddleDepth == other.MiddleDepth
        && ContextDim == other.ContextDim && UseLinearProjection == other.UseLinearProjection
        && TimeEmbedInput == other.TimeEmbedInput && AdmInChannels == other.AdmInChannels
        && ChannelMult.Select((m, l) => !AttentionLevels[l] || HeadsFor(ModelChannels * m) == other.HeadsFor(ModelChannels * m)).All(x => x);
}
