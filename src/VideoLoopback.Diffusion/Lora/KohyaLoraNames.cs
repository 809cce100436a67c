using System.Text.RegularExpressions;

namespace VideoLoopback.Diffusion.Lora;

/// <summary>
/// Maps kohya module names ("lora_unet_down_blocks_0_attentions_0_proj_in", "lora_te_text_model_encoder_layers_0_mlp_fc1")
/// onto the LDM checkpoint layout the way WebUI's Lora extension does (convert_diffusers_name_to_compvis): first to WebUI's
/// network layer name (the LDM module path with '.' replaced by '_'), then, for SD1.x, to the LDM weight key. SDXL files name
/// their UNet modules the LDM way already and are placed by <see cref="NetworkLayerMap"/>'s fallbacks.
/// </summary>
public static partial class KohyaLoraNames
{
    public const string UnetKeyPrefix = "model.diffusion_model.";
    public const string TextEncoderKeyPrefix = "cond_stage_model.transformer.text_model.";

    private static readonly Dictionary<string, string> ResnetParts = new()
    {
        ["conv1"] = "in_layers_2", ["conv2"] = "out_layers_3", ["norm1"] = "in_layers_0", ["norm2"] = "out_layers_0",
        ["time_emb_proj"] = "emb_layers_1", ["conv_shortcut"] = "skip_connection",
    };

    /// <summary>Names of LDM modules that contain '_' and must survive the '_' -> '.' conversion whole.</summary>
    private static readonly string[] CompoundNames =
    [
        "diffusion_model", "input_blocks", "middle_block", "output_blocks", "time_embed", "transformer_blocks",
        "in_layers", "out_layers", "emb_layers", "skip_connection", "proj_in", "proj_out", "to_q", "to_k", "to_v", "to_out",
        "text_model", "self_attn", "q_proj", "k_proj", "v_proj", "out_proj",
    ];

    [GeneratedRegex(@"^lora_unet_conv_in(.*)$")] private static partial Regex ConvIn();
    [GeneratedRegex(@"^lora_unet_conv_out(.*)$")] private static partial Regex ConvOut();
    [GeneratedRegex(@"^lora_unet_time_embedding_linear_(\d+)(.*)$")] private static partial Regex TimeEmbedding();
    [GeneratedRegex(@"^lora_unet_down_blocks_(\d+)_(attentions|resnets)_(\d+)_(.+)$")] private static partial Regex DownBlock();
    [GeneratedRegex(@"^lora_unet_mid_block_(attentions|resnets)_(\d+)_(.+)$")] private static partial Regex MidBlock();
    [GeneratedRegex(@"^lora_unet_up_blocks_(\d+)_(attentions|resnets)_(\d+)_(.+)$")] private static partial Regex UpBlock();
    [GeneratedRegex(@"^lora_unet_down_blocks_(\d+)_downsamplers_0_conv$")] private static partial Regex Downsampler();
    [GeneratedRegex(@"^lora_unet_up_blocks_(\d+)_upsamplers_0_conv$")] private static partial Regex Upsampler();
    [GeneratedRegex(@"^lora_te_text_model_encoder_layers_(\d+)_(.+)$")] private static partial Regex TextEncoderLayer();
    [GeneratedRegex(@"^lora_te2_text_model_encoder_layers_(\d+)_(.+)$")] private static partial Regex SecondTextEncoderLayer();

    /// <summary>
    /// WebUI's network layer name for a kohya module (convert_diffusers_name_to_compvis); a name it does not recognise is
    /// returned unchanged, as WebUI does. <paramref name="isSd2"/>: the model's one text tower is OpenCLIP (SD2.x), whose
    /// layers WebUI names by the OpenCLIP module tree; SDXL's second tower (<c>lora_te2_</c>) is always named that way.
    /// </summary>
    public static string ToNetworkLayerName(string kohyaModule, bool isSd2 = false)
    {
        Match m;
        static int N(Match m, int group) => int.Parse(m.Groups[group].Value);
        static string Part(string kind, string suffix) =>
            kind == "resnets" && ResnetParts.TryGetValue(suffix, out var ldm) ? ldm : suffix;

        if ((m = ConvIn().Match(kohyaModule)).Success) return $"diffusion_model_input_blocks_0_0{m.Groups[1].Value}";
        if ((m = ConvOut().Match(kohyaModule)).Success) return $"diffusion_model_out_2{m.Groups[1].Value}";
        if ((m = TimeEmbedding().Match(kohyaModule)).Success) return $"diffusion_model_time_embed_{N(m, 1) * 2 - 2}{m.Groups[2].Value}";
        if ((m = DownBlock().Match(kohyaModule)).Success)
            return $"diffusion_model_input_blocks_{1 + N(m, 1) * 3 + N(m, 3)}_{(m.Groups[2].Value == "attentions" ? 1 : 0)}_{Part(m.Groups[2].Value, m.Groups[4].Value)}";
        if ((m = MidBlock().Match(kohyaModule)).Success)
            return $"diffusion_model_middle_block_{(m.Groups[1].Value == "attentions" ? 1 : N(m, 2) * 2)}_{Part(m.Groups[1].Value, m.Groups[3].Value)}";
        if ((m = UpBlock().Match(kohyaModule)).Success)
            return $"diffusion_model_output_blocks_{N(m, 1) * 3 + N(m, 3)}_{(m.Groups[2].Value == "attentions" ? 1 : 0)}_{Part(m.Groups[2].Value, m.Groups[4].Value)}";
        if ((m = Downsampler().Match(kohyaModule)).Success) return $"diffusion_model_input_blocks_{3 + N(m, 1) * 3}_0_op";
        // SD1.x: the first up level has no attention, so its upsampler is the block's second layer, not its third.
        if ((m = Upsampler().Match(kohyaModule)).Success) return $"diffusion_model_output_blocks_{2 + N(m, 1) * 3}_{(N(m, 1) > 0 ? 2 : 1)}_conv";
        if ((m = TextEncoderLayer().Match(kohyaModule)).Success)
            return isSd2 ? OpenClipLayer("", m) : $"transformer_text_model_encoder_layers_{m.Groups[1].Value}_{m.Groups[2].Value}";
        if ((m = SecondTextEncoderLayer().Match(kohyaModule)).Success) return OpenClipLayer("1_", m);
        return kohyaModule;
    }

    /// <summary>An HF CLIP layer part ("self_attn_q_proj", "mlp_fc1") under the OpenCLIP module tree, as WebUI renames it.</summary>
    private static string OpenClipLayer(string towerPrefix, Match m)
    {
        string part = m.Groups[2].Value;
        string renamed = part.Contains("mlp_fc1", StringComparison.Ordinal) ? part.Replace("mlp_fc1", "mlp_c_fc", StringComparison.Ordinal)
            : part.Contains("mlp_fc2", StringComparison.Ordinal) ? part.Replace("mlp_fc2", "mlp_c_proj", StringComparison.Ordinal)
            : part.Replace("self_attn", "attn", StringComparison.Ordinal);
        return $"{towerPrefix}model_transformer_resblocks_{m.Groups[1].Value}_{renamed}";
    }

    /// <summary>
    /// WebUI applies the text-encoder multiplier to layers whose name has "transformer" in its first 20 characters (SD1
    /// "transformer_text_model_…", SD2 "model_transformer_…", SDXL "0_transformer_…" and "1_model_transformer_…").
    /// </summary>
    public static bool IsTextEncoderLayer(string networkLayerName) =>
        networkLayerName[..Math.Min(20, networkLayerName.Length)].Contains("transformer", StringComparison.Ordinal);

    /// <summary>
    /// The LDM checkpoint key of the weight a network layer name refers to ("diffusion_model_input_blocks_1_1_proj_in" ->
    /// "model.diffusion_model.input_blocks.1.1.proj_in.weight"), or null for a name outside the UNet and text encoder.
    /// </summary>
    public static string? ToLdmWeightKey(string networkLayerName)
    {
        string prefix;
        string rest;
        if (networkLayerName.StartsWith("diffusion_model_", StringComparison.Ordinal))
            (prefix, rest) = (UnetKeyPrefix, networkLayerName["diffusion_model_".Length..]);
        else if (networkLayerName.StartsWith("transformer_text_model_", StringComparison.Ordinal))
            (prefix, rest) = (TextEncoderKeyPrefix, networkLayerName["transformer_text_model_".Length..]);
        else
            return null;
        // Protect compound names, turn the remaining separators into dots, then restore the compounds.
        foreach (var compound in CompoundNames) rest = rest.Replace(compound, compound.Replace('_', '\u0001'), StringComparison.Ordinal);
        rest = rest.Replace('_', '.').Replace('\u0001', '_');
        return prefix + rest + ".weight";
    }

    /// <summary>The LDM weight key of a kohya module, or null when WebUI would not match it.</summary>
    public static string? ToLdmWeightKeyFromKohya(string kohyaModule) => ToLdmWeightKey(ToNetworkLayerName(kohyaModule));
}
