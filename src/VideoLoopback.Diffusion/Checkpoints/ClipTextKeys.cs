namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// The key set of a Hugging Face <c>CLIPTextModel</c> (SD1.x's text encoder) with as many encoder layers as
/// the file shows. <c>embeddings.position_ids</c> is a buffer some files carry and others do not: it is
/// tolerated, not expected.
/// </summary>
public static class ClipTextKeys
{
    /// <summary>The prefix the text model's keys use in an SD1.x checkpoint, or null when there is none.</summary>
    public static string? FindPrefix(CheckpointTensorIndex index, string outer)
    {
        // transformers >= 4 nests everything under text_model.; older saves put it straight under transformer.
        foreach (var prefix in new[] { outer + "text_model.", outer })
            if (index.Has(prefix + "embeddings.token_embedding.weight") || index.HasPrefix(prefix + "encoder.layers."))
                return prefix;
        return null;
    }

    public static HashSet<string> Expected(CheckpointTensorIndex index, string prefix)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal)
        {
            prefix + "embeddings.token_embedding.weight",
            prefix + "embeddings.position_embedding.weight",
            prefix + "final_layer_norm.weight",
            prefix + "final_layer_norm.bias",
        };
        int layers = Math.Max(1, index.MaxIndex(prefix + "encoder.layers.") + 1);
        for (int i = 0; i < layers; i++)
        {
            var layer = $"{prefix}encoder.layers.{i}.";
            foreach (var part in new[] { "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj",
                         "layer_norm1", "mlp.fc1", "mlp.fc2", "layer_norm2" })
            {
                keys.Add(layer + part + ".weight");
                keys.Add(layer + part + ".bias");
            }
        }
        return keys;
    }
}
