namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>The key set of an OpenCLIP text tower (SD2.x's text encoder) with as many residual blocks as the file shows.</summary>
public static class OpenClipTextKeys
{
    public static HashSet<string> Expected(CheckpointTensorIndex index, string prefix)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal)
        {
            prefix + "positional_embedding",
            prefix + "text_projection",
            prefix + "logit_scale",
            prefix + "token_embedding.weight",
            prefix + "ln_final.weight",
            prefix + "ln_final.bias",
        };
        int blocks = Math.Max(1, index.MaxIndex(prefix + "transformer.resblocks.") + 1);
        for (int i = 0; i < blocks; i++)
        {
            var block = $"{prefix}transformer.resblocks.{i}.";
            keys.Add(block + "attn.in_proj_weight");
            keys.Add(block + "attn.in_proj_bias");
            foreach (var part in new[] { "ln_1", "attn.out_proj", "ln_2", "mlp.c_fc", "mlp.c_proj" })
            {
                keys.Add(block + part + ".weight");
                keys.Add(block + part + ".bias");
            }
        }
        return keys;
    }
}
