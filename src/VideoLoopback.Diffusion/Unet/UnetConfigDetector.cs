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
            : throw new InvalidDataException($"{source}: UNet key 'model.diffusion_model.{key}' is missing; not an SD1.x UNet");

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
        string? firstTransformer = null;
        for (int level = 0; level < levels; level++)
        {
            int block = 1 + level * (numResBlocks + 1);
            long width = Shape($"input_blocks.{block}.0.out_layers.3.weight")[0];
            if (width % modelChannels != 0) throw new InvalidDataException($"{source}: input_blocks.{block} width {width} is not a multiple of model_channels {modelChannels}");
            mult.Add(width / modelChannels);
            bool attn = shapes.ContainsKey($"input_blocks.{block}.1.norm.weight");
            attention.Add(attn);
            if (attn) firstTransformer ??= $"input_blocks.{block}.1";
        }
        bool middleAttention = shapes.ContainsKey("middle_block.1.norm.weight");
        if (middleAttention) firstTransformer ??= "middle_block.1";

        int depth = 1;
        long contextDim = 0;
        bool linear = false;
        if (firstTransformer is not null)
        {
            depth = 0;
            while (shapes.ContainsKey($"{firstTransformer}.transformer_blocks.{depth}.norm1.weight")) depth++;
            contextDim = Shape($"{firstTransformer}.transformer_blocks.0.attn2.to_k.weight")[1];
            linear = Shape($"{firstTransformer}.proj_in.weight").Length == 2;
        }

        return new UnetConfig(inChannels, outChannels, modelChannels, mult, numResBlocks, attention, middleAttention,
            depth, contextDim, linear, timeEmbedInput, numHeads);
    }
}
