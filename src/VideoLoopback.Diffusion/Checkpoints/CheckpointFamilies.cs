using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Diffusion.Unet;

namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// The model families, as data: SD1.x, SD2.x, SDXL and the SDXL refiner. Adding a family
/// is one more <see cref="ModelFamily"/> here, in detection order in <see cref="All"/>, plus the modules it really adds.
/// </summary>
public static class CheckpointFamilies
{
    private const string CheckpointTextPrefix = "cond_stage_model.";
    private const string OpenClipPrefix = CheckpointTextPrefix + "model.";
    private const string UnetPrefix = "model.diffusion_model.";

    /// <summary>SD1.x latent scale factor (v1-inference.yaml scale_factor).</summary>
    public const double Sd1LatentScale = 0.18215;

    /// <summary>SD1.x (v1-inference.yaml, v1-inpainting-inference.yaml): CLIP ViT-L text encoder, 8 heads everywhere, eps.</summary>
    public static ModelFamily StableDiffusion1 { get; } = new()
    {
        Family = CheckpointFamily.StableDiffusion1,
        InpaintingFamily = CheckpointFamily.StableDiffusion1Inpainting,
        InpaintingDescription = CheckpointFamily.StableDiffusion1Inpainting.Description,
        TextPrefix = CheckpointTextPrefix,
        // transformers >= 4 nests the tower under text_model.; older saves put it straight under transformer.
        TextEncoders = [new("text encoder", CheckpointTextPrefix, [ClipTextModel.LdmPrefix, ClipTextModel.LegacyLdmPrefix], TextTowerKeys.Clip)],
        LoadTextEncoders = (file, on, heads, _) => [ClipTextModel.FromCheckpoint(file, on.Device, on.DType, heads)],
        LatentScale = Sd1LatentScale,
        Prediction = NoisePrediction.Epsilon,
        UnetHeads = UnetConfig.Sd1NumHeads,
        ReferenceUnet = UnetConfig.StableDiffusion15(),
        Recognise = index => index.HasPrefix(UnetPrefix),
    };

    /// <summary>
    /// SD2.x (v2-inference.yaml, v2-inference-v.yaml): OpenCLIP ViT-H text encoder read at its penultimate layer (WebUI's clip
    /// skip does not apply), OpenCLIP tokens padded with 0, linear transformer projections, 64-wide heads; eps or v, decided
    /// at load by <see cref="VPredictionProbe"/> unless given.
    /// </summary>
    public static ModelFamily StableDiffusion2 { get; } = new()
    {
        Family = CheckpointFamily.StableDiffusion2,
        InpaintingFamily = CheckpointFamily.StableDiffusion2,
        InpaintingDescription = "SD2.x inpainting checkpoint",
        TextPrefix = CheckpointTextPrefix,
        TextEncoders = [new("text encoder", OpenClipPrefix, [OpenClipPrefix], TextTowerKeys.OpenClip)],
        LoadTextEncoders = (file, on, clipHeads, openClipHeads) =>
            [OpenClipTextModel.FromCheckpoint(file, on.Device, on.DType, openClipHeads ?? clipHeads, OpenClipPrefix)],
        LoraTextTowers = towers => LoraTextTower.For(towers, singleIsOpenClip: true),
        Tokenizer = () => ClipTokenizer.OpenClip,
        TextPadId = 0,
        TextClipSkip = 2,
        LatentScale = Sd1LatentScale,
        Prediction = NoisePrediction.EpsilonOrV,
        UnetHeadChannels = 64,
        Recognise = index => index.HasPrefix(UnetPrefix) && (index.HasPrefix(OpenClipPrefix)
            || LdmUNetKeys.Infer(index, UnetPrefix) is { } unet && (unet.LinearProjections || unet.ContextDim == 1024)),
        Notes =
        [
            "v-prediction or epsilon cannot be told from the weights (768-v and 512-base files have the same keys and shapes); " +
            "loading decides it as WebUI does, with one test run of the UNet (override: --prediction eps|v)",
        ],
    };

    /// <summary>
    /// SDXL (sd_xl_base.yaml): CLIP ViT-L and OpenCLIP ViT-bigG under conditioner.embedders.*, both read at their penultimate
    /// layer and joined on channels, bigG's pooled output and the size conditioning through label_emb, per-level transformer
    /// depths, 64-wide heads, latent scale 0.13025, eps.
    /// </summary>
    public static ModelFamily StableDiffusionXL { get; } = new()
    {
        Family = CheckpointFamily.StableDiffusionXL,
        InpaintingFamily = CheckpointFamily.StableDiffusionXL,
        InpaintingDescription = CheckpointFamily.StableDiffusionXL.Description,
        TextPrefix = "conditioner.embedders.",
        TextEncoders = TextEncoderLayout.StableDiffusionXL,
        LoadTextEncoders = (file, on, clipHeads, openClipHeads) =>
        {
            var (clipL, bigG) = SdxlTextEncoders.FromCheckpoint(file, on, clipHeads, openClipHeads);
            return [clipL, bigG];
        },
        CreateConditioner = (towers, _, embeddings) => SdxlTextEncoders.Conditioner(towers[0], towers[1], embeddings),
        EmbeddingParts = towers => SdxlTextEncoders.EmbeddingParts(towers[0], towers[1]),
        Tokenizer = () => SdxlTextEncoders.EmbeddingNameTokenizer,
        TextClipSkip = SdxlTextEncoders.PenultimateLayer,
        LatentScale = 0.13025,
        Prediction = NoisePrediction.Epsilon,
        UnetHeadChannels = 64,
        ReferenceUnet = UnetConfig.StableDiffusionXL(),
        Recognise = index => index.HasPrefix("conditioner.embedders.") || index.Has(UnetPrefix + "label_emb.0.0.weight"),
    };

    /// <summary>
    /// The SDXL refiner (sd_xl_refiner.yaml), run as WebUI runs it as the main model: OpenCLIP ViT-bigG alone at
    /// conditioner.embedders.0 (penultimate layer, pooled output), a UNet vector of pooled text, original size, crop and an
    /// aesthetic score (WebUI's defaults: 6 for prompts, 2.5 for negative prompts), 64-wide heads, latent scale 0.13025, eps.
    /// </summary>
    public static ModelFamily StableDiffusionXLRefiner { get; } = new()
    {
        Family = CheckpointFamily.StableDiffusionXLRefiner,
        InpaintingFamily = CheckpointFamily.StableDiffusionXLRefiner,
        InpaintingDescription = CheckpointFamily.StableDiffusionXLRefiner.Description,
        TextPrefix = "conditioner.embedders.",
        TextEncoders = [new("text encoder (OpenCLIP ViT-bigG)", "conditioner.embedders.0.", [SdxlTextEncoders.RefinerBigGPrefix], TextTowerKeys.OpenClip)],
        LoadTextEncoders = (file, on, clipHeads, openClipHeads) => [SdxlTextEncoders.RefinerFromCheckpoint(file, on, openClipHeads ?? clipHeads)],
        CreateConditioner = (towers, _, embeddings) => SdxlTextEncoders.RefinerConditioner(towers[0], embeddings),
        EmbeddingParts = towers => SdxlTextEncoders.RefinerEmbeddingParts(towers[0]),
        // WebUI names the refiner's bigG modules 0_model_transformer_*, which no LoRA text-encoder key converts to: only UNet
        // modules can apply.
        LoraTextTowers = _ => [],
        // WebUI registers embedding names with the first embedder that tokenizes: here bigG.
        Tokenizer = () => ClipTokenizer.OpenClip,
        TextPadId = 0,
        TextClipSkip = SdxlTextEncoders.PenultimateLayer,
        VectorValues = (size, negative) => size.RefinerValues(negative),
        LatentScale = 0.13025,
        Prediction = NoisePrediction.Epsilon,
        UnetHeadChannels = 64,
        ReferenceUnet = UnetConfig.StableDiffusionXLRefiner(),
        Recognise = index => index.HasPrefix(SdxlTextEncoders.RefinerBigGPrefix),
    };

    /// <summary>Every family, in the order detection asks them (the most specific first).</summary>
    public static IReadOnlyList<ModelFamily> All { get; } = [StableDiffusionXLRefiner, StableDiffusionXL, StableDiffusion2, StableDiffusion1];

    /// <summary>The families that can be loaded.</summary>
    public static IEnumerable<ModelFamily> Supported => All.Where(f => f.Unsupported is null);

    /// <summary>The first family whose keys <paramref name="index"/> has, or null.</summary>
    public static ModelFamily? Recognise(CheckpointTensorIndex index) => All.FirstOrDefault(f => f.Recognise(index));

    /// <summary>The family a checkpoint reported as <paramref name="family"/> belongs to.</summary>
    public static ModelFamily Of(CheckpointFamily family) =>
        All.FirstOrDefault(f => f.CheckpointFamilies.Contains(family))
        ?? throw new ArgumentException($"{family.Description} is not a model family", nameof(family));

    /// <summary>What the inspector recognises itself, for the message about an unknown file.</summary>
    public static IReadOnlyList<string> ExpectedLayouts { get; } =
    [
        "an SD1.x or SD2.x checkpoint (model.diffusion_model.*, first_stage_model.*, cond_stage_model.*)",
        "an SDXL checkpoint (model.diffusion_model.*, first_stage_model.*, conditioner.embedders.*)",
        "a UNet-only file (model.diffusion_model.*)",
        "a standalone VAE (encoder.*, decoder.*, quant_conv.*, post_quant_conv.*)",
        "a kohya LoRA/LoCon (lora_unet_*, lora_te_*)",
        "a ControlNet (control_model.* or input_hint_block.*, zero_convs.*)",
    ];
}
