namespace VideoLoopback.Diffusion.Vae;

/// <summary>Reads a <see cref="VaeConfig"/> from AutoencoderKL key names and shapes (keys relative to the VAE prefix).</summary>
public static class VaeConfigDetector
{
    public static VaeConfig Detect(IReadOnlyDictionary<string, long[]> shapes, string source)
    {
        long[] Shape(string key) => shapes.TryGetValue(key, out var s)
            ? s
            : throw new InvalidDataException($"{source}: VAE key '{key}' is missing; not an LDM AutoencoderKL");

        var convIn = Shape("encoder.conv_in.weight"); // [ch, 3, 3, 3]
        long ch = convIn[0];
        int levels = 0;
        while (shapes.ContainsKey($"encoder.down.{levels}.block.0.conv1.weight")) levels++;
        if (levels == 0) throw new InvalidDataException($"{source}: VAE key 'encoder.down.0.block.0.conv1.weight' is missing");
        int blocks = 0;
        while (shapes.ContainsKey($"encoder.down.0.block.{blocks}.conv1.weight")) blocks++;
        var mult = Enumerable.Range(0, levels).Select(i => Shape($"encoder.down.{i}.block.0.conv1.weight")[0] / ch).ToList();
        var attention = Enumerable.Range(0, levels).Select(i => shapes.ContainsKey($"encoder.down.{i}.attn.0.q.weight")).ToList();
        long z = Shape("decoder.conv_in.weight")[1];
        long embed = Shape("quant_conv.weight")[0] / 2;
        long outCh = Shape("decoder.conv_out.weight")[0];
        return new VaeConfig(convIn[1], outCh, ch, mult, blocks, z, embed, attention);
    }
}
