using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Diffusion.Lora;

/// <summary>
/// How LoRA files and WebUI name one text tower of a model: the kohya prefix its modules carry (<c>lora_te_</c>, SDXL
/// <c>lora_te1_</c>/<c>lora_te2_</c>), the prefix of WebUI's network layer names for it (SDXL's embedder index), the checkpoint
/// prefix that names its weights in messages, and whether WebUI sees it as an OpenCLIP module tree (nn.MultiheadAttention with
/// a packed in_proj, <c>mlp.c_fc</c>/<c>c_proj</c>) rather than HF CLIP.
/// </summary>
public sealed record LoraTowerNaming(string KohyaPrefix, string LayerPrefix, string CheckpointPrefix, bool IsOpenClip)
{
    /// <summary>SD1.x: HF CLIP-L as <c>cond_stage_model.transformer</c>.</summary>
    public static readonly LoraTowerNaming Sd1 = new("lora_te_", "", ClipTextModel.LdmPrefix, false);

    /// <summary>SD2.x: OpenCLIP ViT-H as <c>cond_stage_model.model</c>.</summary>
    public static readonly LoraTowerNaming Sd2 = new("lora_te_", "", OpenClipTextModel.LdmPrefix, true);

    /// <summary>SDXL's first tower, HF CLIP-L as <c>conditioner.embedders.0.transformer</c>.</summary>
    public static readonly LoraTowerNaming SdxlClipL = new("lora_te1_", "0_", "conditioner.embedders.0.transformer.text_model.", false);

    /// <summary>SDXL's second tower, OpenCLIP bigG as <c>conditioner.embedders.1.model</c>.</summary>
    public static readonly LoraTowerNaming SdxlBigG = new("lora_te2_", "1_", "conditioner.embedders.1.model.", true);
}
