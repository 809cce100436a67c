using VideoLoopback.Diffusion.Nn;

namespace VideoLoopback.Diffusion.Unet;

/// <summary>
/// The encoder half of an LDM UNet: input block 0 (the input conv), then per level <see cref="UnetConfig.NumResBlocks"/>
/// ResBlocks (each followed by a SpatialTransformer at attention levels) and a Downsample between levels; then the middle
/// block. The UNet and a ControlNet (which copies this half) both build it here.
/// </summary>
/// <param name="InputWidths">the channel count each input block outputs (the widths of the UNet's skips).</param>
public sealed record UnetEncoder(UnetBlock[] InputBlocks, long[] InputWidths, UnetBlock Middle)
{
    /// <summary>The channel count of the middle block.</summary>
    public long Width => InputWidths[^1];

    public static UnetEncoder Build(UnetConfig config, ModuleDevice on)
    {
        long mc = config.ModelChannels, embDim = config.TimeEmbedDim;
        var input = new List<UnetBlock> { new(Layers.Conv(config.InChannels, mc, 3, on, padding: 1)) };
        var widths = new List<long> { mc };
        long ch = mc;
        int levels = config.ChannelMult.Count;
        for (int level = 0; level < levels; level++)
        {
            long width = mc * config.ChannelMult[level];
            for (int i = 0; i < config.NumResBlocks; i++)
            {
                var res = new ResBlock(ch, width, embDim, on);
                ch = width;
                input.Add(config.AttentionLevels[level] ? new UnetBlock(res, Transformer(config, ch, config.DepthAt(level), on)) : new UnetBlock(res));
                widths.Add(ch);
            }
            if (level != levels - 1)
            {
                input.Add(new UnetBlock(new Downsample(ch, on)));
                widths.Add(ch);
            }
        }
        var middle = config.MiddleAttention
            ? new UnetBlock(new ResBlock(ch, ch, embDim, on), Transformer(config, ch, config.MiddleDepth, on), new ResBlock(ch, ch, embDim, on))
            : new UnetBlock(new ResBlock(ch, ch, embDim, on), new ResBlock(ch, ch, embDim, on));
        return new UnetEncoder(input.ToArray(), widths.ToArray(), middle);
    }

    /// <summary>The SpatialTransformer of a block <paramref name="width"/> channels wide with <paramref name="depth"/> transformer blocks.</summary>
    public static SpatialTransformer Transformer(UnetConfig config, long width, int depth, ModuleDevice on) =>
        new(width, config.HeadsFor(width), depth, config.ContextDim, config.UseLinearProjection, on);
}
