namespace VideoLoopback.Diffusion.Lora;

/// <summary>
/// Diffusers / PEFT LoRA keys ("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight",
/// "text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_B.weight") as the kohya module name and part they stand
/// for ("lora_unet_down_blocks_0_..._attn1_to_q", "lora_down.weight"): the diffusers module path is the one kohya names with
/// '_' for '.', under <c>lora_unet_</c> or <c>lora_te_</c>; the parts keep PEFT's names (lora_A = down, lora_B = up).
/// An SDXL file's towers are <c>text_encoder.</c> and <c>text_encoder_2.</c>, which kohya names <c>lora_te1_</c> and <c>lora_te2_</c>.
/// </summary>
public static class PeftLoraNames
{
    private static readonly (string Prefix, string Kohya)[] Prefixes = [("unet.", "lora_unet_"), ("text_encoder.", "lora_te_")];
    private static readonly (string Prefix, string Kohya)[] TwoTowerPrefixes =
        [("unet.", "lora_unet_"), ("text_encoder.", "lora_te1_"), ("text_encoder_2.", "lora_te2_")];

    /// <summary>Whether a file's keys name a second text tower (an SDXL file).</summary>
    public static bool HasSecondTextEncoder(IEnumerable<string> keys) =>
        keys.Any(k => k.StartsWith("text_encoder_2.", StringComparison.Ordinal) || k.StartsWith("base_model.model.text_encoder_2.", StringComparison.Ordinal));

    private static readonly (string Suffix, string Part)[] Suffixes =
    [
        (".lora_A.weight", "lora_A.weight"), (".lora_B.weight", "lora_B.weight"),
        (".lora.down.weight", "lora_down.weight"), (".lora.up.weight", "lora_up.weight"), (".alpha", "alpha"),
    ];

    /// <summary>
    /// The kohya module name and part of a diffusers/PEFT key, or null when <paramref name="key"/> is not one;
    /// <paramref name="twoTextEncoders"/>: the file is SDXL's (<see cref="HasSecondTextEncoder"/>).
    /// </summary>
    public static (string Module, string Part)? ToKohya(string key, bool twoTextEncoders = false)
    {
        if (key.StartsWith("base_model.model.", StringComparison.Ordinal)) key = key["base_model.model.".Length..];
        foreach (var (prefix, kohya) in twoTextEncoders ? TwoTowerPrefixes : Prefixes)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            foreach (var (suffix, part) in Suffixes)
                if (key.EndsWith(suffix, StringComparison.Ordinal))
                    return (kohya + key[prefix.Length..^suffix.Length].Replace('.', '_'), part);
        }
        return null;
    }
}
