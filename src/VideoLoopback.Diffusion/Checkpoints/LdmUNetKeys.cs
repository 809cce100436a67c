namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// The complete key set of an LDM <c>UNetModel</c> (or the encoder half a ControlNet copies), rebuilt from
/// the structure the file shows: the number of input blocks and where the downsamplers sit give the
/// levels and ResBlocks per level; a level has attention when any of its blocks has a transformer, as many
/// transformer blocks as the deepest of them shows (sgm's per-level depths), and label_emb is expected when present; a
/// ResBlock has a skip connection when its input and output widths differ. Every key of every block
/// that structure implies is expected, so a file that lost individual tensors is caught.
/// </summary>
public static class LdmUNetKeys
{
    /// <summary>Structure read from the keys under <paramref name="prefix"/>; null when it is not an LDM UNet.</summary>
    /// <param name="LevelDepths">transformer blocks per level (0 at levels without attention; sgm's SDXL [0,2,10]).</param>
    /// <param name="MiddleDepth">transformer blocks of the middle block.</param>
    /// <param name="AdmInChannels">width of sgm's label_emb input (SDXL 2816); 0 without label_emb.</param>
    public sealed record Structure(int Levels, int ResBlocksPerLevel, bool[] AttentionAtLevel, int[] LevelDepths, int MiddleDepth,
        int InChannels, int ModelChannels, int? ContextDim, bool LinearProjections, int AdmInChannels)
    {
        /// <summary>The deepest SpatialTransformer.</summary>
        public int TransformerDepth => Math.Max(MiddleDepth, LevelDepths.DefaultIfEmpty(0).Max());
    }

    public static Structure? Infer(CheckpointTensorIndex index, string prefix, bool hasOutputBlocks = true)
    {
        var convIn = index.Shape(prefix + "input_blocks.0.0.weight");
        if (convIn is not { Length: 4 }) return null;
        int inputBlocks = index.MaxIndex(prefix + "input_blocks.") + 1;
        var downsamplers = Enumerable.Range(1, Math.Max(0, inputBlocks - 1))
            .Where(i => index.Has($"{prefix}input_blocks.{i}.0.op.weight")).ToList();
        int levels = downsamplers.Count + 1;
        int resBlocks = inputBlocks - 1 - downsamplers.Count;
        if (resBlocks <= 0 || resBlocks % levels != 0) return null;
        int perLevel = resBlocks / levels;

        // A level's depth is the most transformer blocks any of its transformers shows, so one that lost a block is caught.
        var attention = new bool[levels];
        var depths = new int[levels];
        for (int level = 0; level < levels; level++)
        {
            for (int j = 0; j < perLevel; j++)
            {
                string block = $"{prefix}input_blocks.{InputIndex(level, j, perLevel)}.1.";
                attention[level] |= index.HasPrefix(block);
                depths[level] = Math.Max(depths[level], index.MaxIndex(block + "transformer_blocks.") + 1);
            }
            for (int j = 0; hasOutputBlocks && j <= perLevel; j++)
            {
                string block = $"{prefix}output_blocks.{OutputIndex(level, j, levels, perLevel)}.1.transformer_blocks.";
                attention[level] |= index.HasPrefix(block);
                depths[level] = Math.Max(depths[level], index.MaxIndex(block) + 1);
            }
        }
        int middle = index.MaxIndex(prefix + "middle_block.1.transformer_blocks.") + 1;
        int deepest = Math.Max(middle, depths.Max());
        for (int level = 0; level < levels; level++)
            depths[level] = !attention[level] ? 0 : depths[level] > 0 ? depths[level] : deepest;
        // A transformer without blocks (sd-webui-controlnet's small SDXL ControlNet: depth 0 in the middle) keeps its norm and
        // projections; only when the whole middle transformer is gone is the depth taken from the levels.
        if (middle == 0 && !index.HasPrefix(prefix + "middle_block.1.norm.")) middle = Math.Max(1, deepest);

        var toK = index.All.FirstOrDefault(t => t.Name.StartsWith(prefix, StringComparison.Ordinal)
            && t.Name.EndsWith(".attn2.to_k.weight", StringComparison.Ordinal) && t.Shape.Length == 2);
        var projIn = index.All.FirstOrDefault(t => t.Name.StartsWith(prefix, StringComparison.Ordinal)
            && t.Name.EndsWith(".proj_in.weight", StringComparison.Ordinal));
        var labelIn = index.Shape(prefix + "label_emb.0.0.weight");
        return new Structure(levels, perLevel, attention, depths, middle, (int)convIn[1], (int)convIn[0],
            toK is null ? null : (int)toK.Shape[1], projIn is { Shape.Length: 2 }, labelIn is { Length: 2 } ? (int)labelIn[1] : 0);
    }

    private static int InputIndex(int level, int j, int perLevel) => 1 + level * (perLevel + 1) + j;

    private static int OutputIndex(int level, int j, int levels, int perLevel) => (levels - 1 - level) * (perLevel + 1) + j;

    /// <summary>Every key a UNet (or, with <paramref name="controlNet"/>, a ControlNet) of this structure has.</summary>
    public static HashSet<string> Expected(CheckpointTensorIndex index, string prefix, Structure s, bool controlNet)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        void Param(string name) { keys.Add(prefix + name + ".weight"); keys.Add(prefix + name + ".bias"); }

        Param("time_embed.0");
        Param("time_embed.2");
        if (s.AdmInChannels > 0)
        {
            Param("label_emb.0.0");
            Param("label_emb.0.2");
        }
        Param("input_blocks.0.0");
        for (int level = 0; level < s.Levels; level++)
        {
            for (int j = 0; j < s.ResBlocksPerLevel; j++)
            {
                int i = InputIndex(level, j, s.ResBlocksPerLevel);
                ResBlock(index, prefix, $"input_blocks.{i}.0", keys);
                if (s.AttentionAtLevel[level]) Transformer(prefix, $"input_blocks.{i}.1", s.LevelDepths[level], keys);
            }
            if (level < s.Levels - 1)
                Param($"input_blocks.{InputIndex(level, s.ResBlocksPerLevel, s.ResBlocksPerLevel)}.0.op");
        }
        ResBlock(index, prefix, "middle_block.0", keys);
        Transformer(prefix, "middle_block.1", s.MiddleDepth, keys);
        ResBlock(index, prefix, "middle_block.2", keys);

        if (controlNet)
        {
            int inputBlocks = 1 + s.Levels * s.ResBlocksPerLevel + s.Levels - 1;
            for (int i = 0; i < inputBlocks; i++) Param($"zero_convs.{i}.0");
            // input_hint_block is a Sequential of convs with SiLU between: convs sit at the even indices.
            int lastHint = Math.Max(14, index.MaxIndex(prefix + "input_hint_block."));
            for (int i = 0; i <= lastHint; i += 2) Param($"input_hint_block.{i}");
            Param("middle_block_out.0");
            return keys;
        }

        for (int level = s.Levels - 1; level >= 0; level--)
        {
            for (int j = 0; j <= s.ResBlocksPerLevel; j++)
            {
                int i = OutputIndex(level, j, s.Levels, s.ResBlocksPerLevel);
                ResBlock(index, prefix, $"output_blocks.{i}.0", keys);
                int next = 1;
                if (s.AttentionAtLevel[level]) Transformer(prefix, $"output_blocks.{i}.{next++}", s.LevelDepths[level], keys);
                if (level > 0 && j == s.ResBlocksPerLevel) Param($"output_blocks.{i}.{next}.conv");
            }
        }
        Param("out.0");
        Param("out.2");
        return keys;
    }

    private static void ResBlock(CheckpointTensorIndex index, string prefix, string block, HashSet<string> keys)
    {
        foreach (var part in new[] { "in_layers.0", "in_layers.2", "emb_layers.1", "out_layers.0", "out_layers.3" })
        {
            keys.Add($"{prefix}{block}.{part}.weight");
            keys.Add($"{prefix}{block}.{part}.bias");
        }
        // A 1x1 skip convolution exists exactly when the block changes the channel count.
        var conv = index.Shape($"{prefix}{block}.in_layers.2.weight");
        bool changesWidth = conv is { Length: >= 2 } ? conv[0] != conv[1] : index.Has($"{prefix}{block}.skip_connection.weight");
        if (changesWidth)
        {
            keys.Add($"{prefix}{block}.skip_connection.weight");
            keys.Add($"{prefix}{block}.skip_connection.bias");
        }
    }

    private static void Transformer(string prefix, string block, int depth, HashSet<string> keys)
    {
        foreach (var part in new[] { "norm", "proj_in", "proj_out" })
        {
            keys.Add($"{prefix}{block}.{part}.weight");
            keys.Add($"{prefix}{block}.{part}.bias");
        }
        for (int d = 0; d < depth; d++)
        {
            var b = $"{prefix}{block}.transformer_blocks.{d}.";
            foreach (var attn in new[] { "attn1", "attn2" })
            {
                keys.Add(b + attn + ".to_q.weight");
                keys.Add(b + attn + ".to_k.weight");
                keys.Add(b + attn + ".to_v.weight");
                keys.Add(b + attn + ".to_out.0.weight");
                keys.Add(b + attn + ".to_out.0.bias");
            }
            foreach (var part in new[] { "ff.net.0.proj", "ff.net.2", "norm1", "norm2", "norm3" })
            {
                keys.Add(b + part + ".weight");
                keys.Add(b + part + ".bias");
            }
        }
    }
}
