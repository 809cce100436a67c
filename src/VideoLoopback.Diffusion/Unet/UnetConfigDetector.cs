namespace VideoLoopback.Diffusion.Unet;

/// <summary>
/// Reads a <see cref="UnetConfig"/> from the names and shapes of an LDM UNet state dict
/// (keys relative to <c>model.diffusion_model.</c>). Works on a key list alone, so manifests can be checked without weights.
/// </summary>
public static class UnetConfigDetector
{
    /// <param name="shapes">parameter name (without prefix) -> shape.</param>
    /// <param name="source">names the file in error messages.</param>
    public static UnetConfig Detect(IReadOnlyDictionary<string, long[]> shapes, string source, int numHeads = UnetConfig.Sd1NumHeads)
    {
        long[] Shape(string key) => shapes.TryGetValue(key, out var s)
            ? s
            : throw new InvalidDataException($"{source}: UNet key 'model.diffusion_model.{key}' is missing; not an LDM UNet");

        var inConv = Shape("input_blocks.0.0.weight");         // [mc, in, 3, 3]
        long modelChannels = inConv[0], inChannels = inConv[1];
        long outChannels = Shape("out.2.weight")[0];             // [out, mc, 3, 3]
        long timeEmbedInput = Shape("time_embed.0.weight")[1];    // [4mc, mc]

        int inputBlocks = 0;
        while (shapes.Keys.Any(k => k.StartsWith($"input_blocks.{inputBlocks}.", StringComparison.Ordinal)))
            inputBlocks++;

        // Blocks 1..n of each level are ResBlocks (+attention); a level other than the last ends with a Downsample "op".
        int firstDown = Enumerable.Range(1, inputBlocks - 1).FirstOrDefault(i => shapes.ContainsKey($"input_blocks.{i}.0.op.weight"), -1);
        int numResBlocks = firstDown < 0 ? inputBlocks - 1 : firstDown - 1;
        if (numResBlocks < 1) throw new InvalidDataException($"{source}: cannot find the UNet's ResBlocks (input_blocks.1.0.in_layers.*)");
        int levels = (inputBlocks - 1 + 1) / (numResBlocks + 1);
        if (levels * (numResBlocks + 1) != inputBlocks)
            throw new InvalidDataException($"{source}: {inputBlocks} input blocks do not form levels of {numResBlocks} ResBlocks + Downsample");

        var mult = new List<long>();
        var attention = new List<bool>();
        var depths = new List<int>();
        string? firstTransformer = null;
        for (int level = 0; level < levels; level++)
        {
            int block = 1 + level * (numResBlocks + 1);
            long width = Shape($"input_blocks.{block}.0.out_layers.3.weight")[0];
            if (width % modelChannels != 0) throw new InvalidDataException($"{source}: input_blocks.{block} width {width} is not a multiple of model_channels {modelChannels}");
            mult.Add(width / modelChannels);
            bool attn = shapes.ContainsKey($"input_blocks.{block}.1.norm.weight");
            attention.Add(attn);
            depths.Add(attn ? Depth($"input_blocks.{block}.1") : 0);
            if (attn) firstTransformer ??= $"input_blocks.{block}.1";
        }
        bool middleAttention = shapes.ContainsKey("middle_block.1.norm.weight");
        int middleDepth = middleAttention ? Depth("middle_block.1") : 0;
        if (middleAttention) firstTransformer ??= "middle_block.1";

        // The context width shows only in a transformer that has blocks (a ControlNet's middle transformer may have none).
        bool linear = firstTransformer is not null && Shape($"{firstTransformer}.proj_in.weight").Length == 2;
        long contextDim = shapes.Where(kv => kv.Key.EndsWith(".transformer_blocks.0.attn2.to_k.weight", StringComparison.Ordinal))
            .Select(kv => kv.Value[1]).FirstOrDefault();

        // One depth everywhere (SD1.x, SD2.x) keeps the single TransformerDepth; sgm's per-level list (SDXL [0,2,10], middle =
        // the last level's) is kept as read, with the middle depth standing in as the default.
        var used = depths.Where((_, level) => attention[level]).Concat(middleAttention ? [middleDepth] : []).Distinct().ToList();
        long adm = shapes.TryGetValue("label_emb.0.0.weight", out var labelIn) ? labelIn[1] : 0; // [4mc, adm]
        var config = new UnetConfig(inChannels, outChannels, modelChannels, mult, numResBlocks, attention, middleAttention,
            used.Count == 0 ? 1 : used[0], contextDim, linear, timeEmbedInput, numHeads, AdmInChannels: adm);
        return used.Count <= 1
            ? config
            : config with { TransformerDepth = middleAttention ? middleDepth : used[^1], LevelTransformerDepths = depths, MiddleTransformerDepth = middleAttention ? middleDepth : null };

        int Depth(string transformer)
        {
            int depth = 0;
            while (shapes.ContainsKey($"{transformer}.transformer_blocks.{depth}.norm1.weight")) depth++;
            return depth;
        }
    }
}
