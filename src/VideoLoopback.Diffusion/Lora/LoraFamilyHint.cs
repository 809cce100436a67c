namespace VideoLoopback.Diffusion.Lora;

/// <summary>
/// Tells from a LoRA file's module names which model family it was made for, to say so when it does not fit: kohya names
/// SDXL's text towers <c>lora_te1_</c>/<c>lora_te2_</c> and its UNet modules the LDM way (<c>lora_unet_input_blocks_…</c>),
/// SD1.x/2.x's one tower <c>lora_te_</c> and its UNet modules the diffusers way (<c>lora_unet_down_blocks_…</c>).
/// </summary>
public static class LoraFamilyHint
{
    private static readonly string[] SdxlTextPrefixes = ["lora_te1_", "lora_te2_"];
    private static readonly string[] SdxlUnetPrefixes = ["lora_unet_input_blocks_", "lora_unet_output_blocks_", "lora_unet_middle_block_", "lora_unet_label_emb_"];
    private static readonly string[] Sd1UnetPrefixes = ["lora_unet_down_blocks_", "lora_unet_up_blocks_", "lora_unet_mid_block_"];

    public enum Family { Unknown, Sd1OrSd2, Sdxl }

    /// <summary>The family a file's module names point to: its text-tower prefixes first, else its UNet naming.</summary>
    public static Family Of(IEnumerable<string> kohyaModules)
    {
        var names = kohyaModules.ToList();
        bool Any(string[] prefixes) => names.Any(n => prefixes.Any(p => n.StartsWith(p, StringComparison.Ordinal)));
        bool sdxlText = Any(SdxlTextPrefixes), sd1Text = Any(["lora_te_"]);
        if (sdxlText != sd1Text) return sdxlText ? Family.Sdxl : Family.Sd1OrSd2;
        bool sdxlUnet = Any(SdxlUnetPrefixes), sd1Unet = Any(Sd1UnetPrefixes);
        return sdxlUnet == sd1Unet ? Family.Unknown : sdxlUnet ? Family.Sdxl : Family.Sd1OrSd2;
    }

    /// <summary>The family of a model from its layer map: its text towers' prefixes, else whether its UNet has SDXL's label_emb.</summary>
    public static Family Of(NetworkLayerMap model) =>
        model.TowerPrefixes.Contains("lora_te1_") ? Family.Sdxl
        : model.TowerPrefixes.Contains("lora_te_") ? Family.Sd1OrSd2
        : model.Layer("diffusion_model_label_emb_0_0") is not null ? Family.Sdxl
        : model.HasUnet ? Family.Sd1OrSd2 : Family.Unknown;

    /// <summary>
    /// A sentence naming the file's family and the model's when they differ, or null. A file whose only evidence is
    /// diffusers-named UNet blocks is called SD1.x/2.x only when most of it does not fit (SDXL files are sometimes named so).
    /// </summary>
    public static string? Explain(LoraNetwork network, NetworkLayerMap model, int modulesNotFitting)
    {
        var names = network.Modules.Select(m => m.KohyaName).ToList();
        var file = Of(names);
        var target = Of(model);
        if (file == Family.Unknown || target == Family.Unknown || file == target) return null;
        bool hasText = names.Any(n => n.StartsWith("lora_te", StringComparison.Ordinal));
        if (file == Family.Sd1OrSd2 && !hasText && modulesNotFitting * 2 <= names.Count) return null;
        return file == Family.Sdxl
            ? $"'{network.Name}' is an SDXL LoRA (modules named lora_te1_/lora_te2_ or lora_unet_input_blocks_…) but the model is SD 1.x/2.x"
            : $"'{network.Name}' is an SD 1.x/2.x LoRA (modules named lora_te_ or lora_unet_down_blocks_…) but the model is SDXL";
    }
}
