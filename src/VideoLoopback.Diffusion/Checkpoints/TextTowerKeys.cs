namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// The key set of a text transformer tower, with as many layers as the file shows: the tensors outside the layers, and
/// per layer (<c>LayersPrefix + N + "."</c>) its single tensors and its weight+bias pairs. Buffers some files carry and
/// others do not (CLIP's <c>embeddings.position_ids</c>) are tolerated, not expected.
/// </summary>
public sealed record TextTowerKeys(string[] Outside, string LayersPrefix, string[] LayerTensors, string[] LayerWeightsAndBiases)
{
    /// <summary>A Hugging Face <c>CLIPTextModel</c> (SD1.x's CLIP ViT-L text encoder).</summary>
    public static TextTowerKeys Clip { get; } = new(
        ["embeddings.token_embedding.weight", "embeddings.position_embedding.weight", "final_layer_norm.weight", "final_layer_norm.bias"],
        "encoder.layers.", [],
        ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj", "layer_norm1", "mlp.fc1", "mlp.fc2", "layer_norm2"]);

    /// <summary>An OpenCLIP text tower (SD2.x's ViT-H; SDXL's bigG has the same names).</summary>
    public static TextTowerKeys OpenClip { get; } = new(
        ["positional_embedding", "text_projection", "logit_scale", "token_embedding.weight", "ln_final.weight", "ln_final.bias"],
        "transformer.resblocks.", ["attn.in_proj_weight", "attn.in_proj_bias"],
        ["ln_1", "attn.out_proj", "ln_2", "mlp.c_fc", "mlp.c_proj"]);

    /// <summary>The first of <paramref name="candidates"/> under which the tower's keys lie, or null when there is none.</summary>
    public string? FindPrefix(CheckpointTensorIndex index, IEnumerable<string> candidates) =>
        candidates.FirstOrDefault(prefix => index.Has(prefix + Outside[0]) || index.HasPrefix(prefix + LayersPrefix));

    public HashSet<string> Expected(CheckpointTensorIndex index, string prefix)
    {
        var keys = new HashSet<string>(Outside.Select(k => prefix + k), StringComparer.Ordinal);
        int layers = Math.Max(1, index.MaxIndex(prefix + LayersPrefix) + 1);
        for (int i = 0; i < layers; i++)
        {
            var layer = $"{prefix}{LayersPrefix}{i}.";
            keys.UnionWith(LayerTensors.Select(t => layer + t));
            foreach (var part in LayerWeightsAndBiases)
            {
                keys.Add(layer + part + ".weight");
                keys.Add(layer + part + ".bias");
            }
        }
        return keys;
    }
}
