using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Diffusion.Unet;

namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// How a latent-diffusion model family is stored and what it needs: where its parts' keys live, its text encoder(s), its
/// latent scale, what its UNet predicts, how it is told from the weights, and why it cannot be used yet when it cannot.
/// Checkpoint detection, <c>inspect</c> and loading all read it; the families are listed in <see cref="CheckpointFamilies"/>.
/// </summary>
public sealed record ModelFamily
{
    public required CheckpointFamily Family { get; init; }
    /// <summary>The family (and the description) a checkpoint of it with a 9-channel UNet input is reported as.</summary>
    public required CheckpointFamily InpaintingFamily { get; init; }
    public required string InpaintingDescription { get; init; }

    public string UnetPrefix { get; init; } = "model.diffusion_model.";
    public string VaePrefix { get; init; } = "first_stage_model.";
    /// <summary>The prefix every text-encoder key shares: a file without it has no text encoder.</summary>
    public required string TextPrefix { get; init; }
    public required IReadOnlyList<TextEncoderLayout> TextEncoders { get; init; }
    /// <summary>
    /// Loads the text encoders of a checkpoint (file, device and dtype, CLIP head count, OpenCLIP head count; null = the
    /// released towers' heads), in the order the conditioner joins them; null when the family has none loadable.
    /// </summary>
    public Func<StateDictFile, ModuleDevice, int?, int?, IReadOnlyList<ClipTextModel>>? LoadTextEncoders { get; init; }
    /// <summary>
    /// The prompt conditioner over the loaded text encoders for a clip-skip value, with the embeddings prompts may name;
    /// null = one tower read as <see cref="Tokenizer"/>, <see cref="TextPadId"/> and <see cref="TextClipSkip"/> say.
    /// </summary>
    public Func<IReadOnlyList<ClipTextModel>, int, TextualInversionLibrary?, PromptConditioner>? CreateConditioner { get; init; }
    /// <summary>
    /// The textual-inversion parts each text encoder takes from an embedding file (SDXL: clip_l and clip_g); null = the file's
    /// single tensor, as wide as the one text encoder.
    /// </summary>
    public Func<IReadOnlyList<ClipTextModel>, IReadOnlyList<TextualInversionPart>>? EmbeddingParts { get; init; }
    /// <summary>
    /// How LoRA text-encoder modules find the loaded text encoders (WebUI's network layer names per tower); the default is
    /// SD1.x's one CLIP tower or SDXL's CLIP-L and bigG, by count.
    /// </summary>
    public Func<IReadOnlyList<ClipTextModel>, IReadOnlyList<LoraTextTower>> LoraTextTowers { get; init; } = towers => LoraTextTower.For(towers);
    /// <summary>The tokenizer of the family's (first) text encoder, which also registers embedding names.</summary>
    public Func<ClipTokenizer> Tokenizer { get; init; } = () => ClipTokenizer.Default;
    /// <summary>The id after a prompt chunk's first end token (CLIP: the end token; OpenCLIP: 0).</summary>
    public int TextPadId { get; init; } = ClipTokenizer.PadId;
    /// <summary>The text layer the family always uses, counted from the end as clip skip is (SD2.x: 2, the penultimate); null = the user's clip skip.</summary>
    public int? TextClipSkip { get; init; }

    /// <summary>
    /// The values a UNet vector (label_emb input) embeds after the pooled text, in the conditioner's embedder order, for a
    /// generation's sizes and a prompt (false) or negative-prompt (true) row: SDXL base the six size values, the refiner the
    /// original size, the crop and an aesthetic score. Only read for UNets that take a vector.
    /// </summary>
    public Func<SizeConditioning, bool, float[]> VectorValues { get; init; } = (size, _) => size.BaseValues();

    /// <summary>LDM's scale_factor between VAE latents and the UNet's latents.</summary>
    public required double LatentScale { get; init; }
    public required NoisePrediction Prediction { get; init; }
    /// <summary>UNet attention heads per transformer; not visible in the weights (see <see cref="UnetConfig.NumHeads"/>).</summary>
    public int UnetHeads { get; init; } = UnetConfig.Sd1NumHeads;
    /// <summary>When set, the UNet's heads are each this many channels wide instead (SD2.x: 64).</summary>
    public long? UnetHeadChannels { get; init; }
    /// <summary>The released UNet's sizes, where the family has one (the weights decide in any case).</summary>
    public UnetConfig? ReferenceUnet { get; init; }

    /// <summary>Whether a file's keys are this family's. Families are asked in the order of <see cref="CheckpointFamilies.All"/>.</summary>
    public required Func<CheckpointTensorIndex, bool> Recognise { get; init; }
    /// <summary>Whether the UNet and VAE key sets can be rebuilt (<see cref="LdmUNetKeys"/>, <see cref="LdmVaeKeys"/>) to check a file key by key.</summary>
    public bool KeySetsKnown { get; init; } = true;

    /// <summary>Why a checkpoint of this family cannot be used yet; null when it can.</summary>
    public string? Unsupported { get; init; }
    /// <summary>Why a UNet-only file of this family cannot be used yet; null when only its input channels decide.</summary>
    public string? UnetOnlyUnsupported { get; init; }
    /// <summary>Caveats <c>inspect</c> prints for every checkpoint of the family.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The families a checkpoint of this family may be reported as.</summary>
    public IEnumerable<CheckpointFamily> CheckpointFamilies => Family == InpaintingFamily ? [Family] : [Family, InpaintingFamily];
}
