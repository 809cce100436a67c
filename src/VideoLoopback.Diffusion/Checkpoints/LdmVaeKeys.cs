namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// The complete key set of an LDM <c>AutoencoderKL</c>, rebuilt from the levels and ResnetBlocks per level
/// the file shows (a ResnetBlock has <c>nin_shortcut</c> when it changes width; a level has attention blocks
/// when any of its blocks has one).
/// </summary>
public static class LdmVaeKeys
{
    public static bool IsPresent(CheckpointTensorIndex index, string prefix) =>
        index.Has(prefix + "encoder.conv_in.weight") && index.HasPrefix(prefix + "encoder.down.")
        && index.Has(prefix + "decoder.conv_out.weight");

    public static HashSet<string> Expected(CheckpointTensorIndex index, string prefix)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        void Param(string name) { keys.Add(prefix + name + ".weight"); keys.Add(prefix + name + ".bias"); }

        int levels = Math.Max(index.MaxIndex(prefix + "encoder.down."), index.MaxIndex(prefix + "decoder.up.")) + 1;
        int perLevel = index.MaxIndex(prefix + "encoder.down.0.block.") + 1;

        Param("encoder.conv_in");
        for (int i = 0; i < levels; i++)
        {
            for (int j = 0; j < perLevel; j++)
            {
                ResnetBlock(index, prefix, $"encoder.down.{i}.block.{j}", keys);
                if (index.HasPrefix($"{prefix}encoder.down.{i}.attn.")) Attention(prefix, $"encoder.down.{i}.attn.{j}", keys);
            }
            if (i < levels - 1) Param($"encoder.down.{i}.downsample.conv");
        }
        Middle(index, prefix, "encoder", keys);
        Param("encoder.norm_out");
        Param("encoder.conv_out");

        Param("decoder.conv_in");
        Middle(index, prefix, "decoder", keys);
        for (int i = 0; i < levels; i++)
        {
            for (int j = 0; j <= perLevel; j++)
            {
                ResnetBlock(index, prefix, $"decoder.up.{i}.block.{j}", keys);
                if (index.HasPrefix($"{prefix}decoder.up.{i}.attn.")) Attention(prefix, $"decoder.up.{i}.attn.{j}", keys);
            }
            if (i > 0) Param($"decoder.up.{i}.upsample.conv");
        }
        Param("decoder.norm_out");
        Param("decoder.conv_out");

        Param("quant_conv");
        Param("post_quant_conv");
        return keys;
    }

    private static void Middle(CheckpointTensorIndex index, string prefix, string side, HashSet<string> keys)
    {
        ResnetBlock(index, prefix, $"{side}.mid.block_1", keys);
        Attention(prefix, $"{side}.mid.attn_1", keys);
        ResnetBlock(index, prefix, $"{side}.mid.block_2", keys);
    }

    private static void ResnetBlock(CheckpointTensorIndex index, string prefix, string block, HashSet<string> keys)
    {
        foreach (var part in new[] { "norm1", "conv1", "norm2", "conv2" })
        {
            keys.Add($"{prefix}{block}.{part}.weight");
            keys.Add($"{prefix}{block}.{part}.bias");
        }
        var conv = index.Shape($"{prefix}{block}.conv1.weight");
        bool changesWidth = conv is { Length: >= 2 } ? conv[0] != conv[1] : index.Has($"{prefix}{block}.nin_shortcut.weight");
        if (changesWidth)
        {
            keys.Add($"{prefix}{block}.nin_shortcut.weight");
            keys.Add($"{prefix}{block}.nin_shortcut.bias");
        }
    }

    private static void Attention(string prefix, string block, HashSet<string> keys)
    {
        foreach (var part in new[] { "norm", "q", "k", "v", "proj_out" })
        {
            keys.Add($"{prefix}{block}.{part}.weight");
            keys.Add($"{prefix}{block}.{part}.bias");
        }
    }
}
