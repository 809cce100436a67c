using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// SDXL's two text encoders (sd_xl_base.yaml's GeneralConditioner) and WebUI's prompt conditioning over them: embedder 0 is
/// CLIP ViT-L (Hugging Face names), read at its penultimate layer without the final layer norm (FrozenCLIPEmbedder layer
/// "hidden", layer_idx −2; WebUI's clip skip does not apply to it unless its sdxl_clip_l_skip option is on), prompts
/// tokenized by CLIP's tokenizer and padded with the end token; embedder 1 is OpenCLIP ViT-bigG, read at its penultimate
/// layer without ln_final (FrozenOpenCLIPEmbedder2, legacy false), tokenized by OpenCLIP's tokenizer with 0 after the first
/// end token, and yields the pooled output: ln_final of its last layer at the end token, times text_projection.
/// The conditioning rows are the two joined on channels ([77k, 768 + 1280]); an empty negative prompt is zeros.
/// </summary>
public static class SdxlTextEncoders
{
    /// <summary>Where SDXL checkpoints keep the CLIP ViT-L tower.</summary>
    public const string ClipLPrefix = "conditioner.embedders.0.transformer.text_model.";

    /// <summary>Where SDXL checkpoints keep the OpenCLIP ViT-bigG tower.</summary>
    public const string BigGPrefix = "conditioner.embedders.1.model.";

    /// <summary>Where SDXL refiner checkpoints (sd_xl_refiner.yaml) keep their only tower, OpenCLIP ViT-bigG.</summary>
    public const string RefinerBigGPrefix = "conditioner.embedders.0.model.";

    /// <summary>Both towers are read at their penultimate layer (clip skip 2 as WebUI counts it).</summary>
    public const int PenultimateLayer = 2;

    /// <summary>
    /// Loads both towers from an SDXL checkpoint, in <paramref name="on"/>'s dtype on its device. Head counts are not in the
    /// weights: <paramref name="clipLHeads"/> and <paramref name="bigGHeads"/>, or the released towers' 64-wide heads
    /// (CLIP-L 12, bigG 20). The bigG tower carries its text_projection for the pooled output.
    /// </summary>
    public static (ClipTextModel ClipL, ClipTextModel BigG) FromCheckpoint(StateDictFile file, ModuleDevice on, int? clipLHeads = null, int? bigGHeads = null)
    {
        var clipL = ClipTextModel.FromCheckpoint(file, ClipLPrefix, on, clipLHeads);
        try
        {
            var bigG = OpenClipTextModel.FromCheckpoint(file, on.Device, on.DType, bigGHeads, BigGPrefix, withProjection: true);
            return (clipL, bigG);
        }
        catch
        {
            clipL.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The two towers as the conditioner runs them. <paramref name="clipLLayerFromEnd"/> is the CLIP-L layer read (2, the
    /// penultimate, unless WebUI's sdxl_clip_l_skip applies the user's clip skip); it is never final-normed.
    /// </summary>
    public static IReadOnlyList<TextTower> Towers(ClipTextModel clipL, ClipTextModel bigG, int clipLLayerFromEnd = PenultimateLayer)
    {
        if (bigG.Config.ProjectionSize is null)
            throw new ArgumentException("the OpenCLIP bigG tower was loaded without its text_projection, which the pooled output needs", nameof(bigG));
        return
        [
            new TextTower(clipL, ClipTokenizer.Default, ClipTokenizer.PadId, clipLLayerFromEnd, FinalNorm: false,
                EmbeddingKey: TextualInversionPart.ClipLKey),
            new TextTower(bigG, ClipTokenizer.OpenClip, 0, PenultimateLayer, FinalNorm: false, YieldsPooled: true,
                EmbeddingKey: TextualInversionPart.ClipGKey),
        ];
    }

    /// <summary>
    /// WebUI's SDXL prompt conditioning: <see cref="ScheduledConditioning.Cond"/> [77k, CLIP-L width + bigG width] and
    /// <see cref="ScheduledConditioning.Pooled"/> [bigG projection width]; negative prompts (asked with
    /// <c>negative: true</c>) whose schedule is all empty texts are zeros. <paramref name="embeddings"/> must be made with
    /// <see cref="EmbeddingParts"/> and CLIP-L's tokenizer (<see cref="EmbeddingNameTokenizer"/>).
    /// </summary>
    public static PromptConditioner Conditioner(ClipTextModel clipL, ClipTextModel bigG, TextualInversionLibrary? embeddings = null,
        EmphasisMode emphasis = EmphasisMode.Original, int commaPaddingBacktrack = 20, int clipLLayerFromEnd = PenultimateLayer) =>
        new(Towers(clipL, bigG, clipLLayerFromEnd), emphasis, commaPaddingBacktrack, embeddings, zeroEmptyNegative: true);

    /// <summary>What each tower takes from a textual-inversion file: clip_l and clip_g vectors of the towers' widths.</summary>
    public static IReadOnlyList<TextualInversionPart> EmbeddingParts(ClipTextModel clipL, ClipTextModel bigG) =>
        TextualInversionPart.StableDiffusionXL(clipL.Config.HiddenSize, bigG.Config.HiddenSize);

    /// <summary>WebUI registers embedding names with the first embedder's tokenizer: CLIP-L's.</summary>
    public static ClipTokenizer EmbeddingNameTokenizer => ClipTokenizer.Default;

    /// <summary>
    /// Loads the SDXL refiner's one tower, OpenCLIP ViT-bigG with its text_projection, in <paramref name="on"/>'s dtype on its
    /// device; <paramref name="bigGHeads"/> or the released tower's 64-wide heads (20).
    /// </summary>
    public static ClipTextModel RefinerFromCheckpoint(StateDictFile file, ModuleDevice on, int? bigGHeads = null) =>
        OpenClipTextModel.FromCheckpoint(file, on.Device, on.DType, bigGHeads, RefinerBigGPrefix, withProjection: true);

    /// <summary>The refiner's tower as its conditioner runs it: bigG alone, exactly as the base's second tower.</summary>
    public static IReadOnlyList<TextTower> RefinerTowers(ClipTextModel bigG)
    {
        if (bigG.Config.ProjectionSize is null)
            throw new ArgumentException("the OpenCLIP bigG tower was loaded without its text_projection, which the pooled output needs", nameof(bigG));
        return [new TextTower(bigG, ClipTokenizer.OpenClip, 0, PenultimateLayer, FinalNorm: false, YieldsPooled: true,
            EmbeddingKey: TextualInversionPart.ClipGKey)];
    }

    /// <summary>
    /// WebUI's SDXL refiner prompt conditioning: <see cref="ScheduledConditioning.Cond"/> [77k, bigG width] and
    /// <see cref="ScheduledConditioning.Pooled"/> [bigG projection width]; empty negative prompts are zeros, as for the base.
    /// </summary>
    public static PromptConditioner RefinerConditioner(ClipTextModel bigG, TextualInversionLibrary? embeddings = null,
        EmphasisMode emphasis = EmphasisMode.Original, int commaPaddingBacktrack = 20) =>
        new(RefinerTowers(bigG), emphasis, commaPaddingBacktrack, embeddings, zeroEmptyNegative: true);

    /// <summary>The refiner's tower takes the clip_g part of an SDXL textual-inversion file.</summary>
    public static IReadOnlyList<TextualInversionPart> RefinerEmbeddingParts(ClipTextModel bigG) =>
        [new TextualInversionPart(TextualInversionPart.ClipGKey, bigG.Config.HiddenSize)];
}
