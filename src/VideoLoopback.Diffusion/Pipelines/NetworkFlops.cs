using VideoLoopback.Diffusion.Text;
using VideoLoopback.Diffusion.Unet;
using VideoLoopback.Diffusion.Vae;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// Analytical floating-point operation counts of one forward of each network of a Stable Diffusion model, counted alike
/// (multiply-add = 2 FLOPs; convolutions, linear layers and the attention matmuls; norms, activations and element-wise
/// work not counted). They mirror the networks' block structure; the UNet's lives in <see cref="UnetFlops"/>.
/// </summary>
public static class NetworkFlops
{
    /// <summary>One UNet forward of <paramref name="batch"/> latents h×w over <paramref name="contextTokens"/> text tokens.</summary>
    public static double Unet(UnetConfig config, long batch, long height, long width, long contextTokens) =>
        UnetFlops.Count(config, batch, height, width, contextTokens);

    /// <summary>VAE encoder (with quant_conv) of <paramref name="batch"/> images H×W.</summary>
    public static double VaeEncode(VaeConfig c, long batch, long height, long width)
    {
        var n = new Counter(batch);
        long h = height, w = width, ch = c.Channels;
        n.Conv(c.ImageChannels, ch, 3, h, w);
        for (int level = 0; level < c.ChannelMult.Count; level++)
        {
            long output = c.Channels * c.ChannelMult[level];
            for (int j = 0; j < c.NumResBlocks; j++)
            {
                n.VaeResnet(ch, output, h, w);
                ch = output;
                if (c.AttentionLevels[level]) n.VaeAttention(ch, h, w);
            }
            if (level != c.ChannelMult.Count - 1)
            {
                h /= 2;
                w /= 2;
                n.Conv(ch, ch, 3, h, w);
            }
        }
        n.VaeMid(ch, h, w);
        n.Conv(ch, 2 * c.ZChannels, 3, h, w);
        n.Conv(2 * c.ZChannels, 2 * c.EmbedDim, 1, h, w);
        return n.Total;
    }

    /// <summary>VAE decoder (with post_quant_conv) of <paramref name="batch"/> latents h×w.</summary>
    public static double VaeDecode(VaeConfig c, long batch, long height, long width)
    {
        var n = new Counter(batch);
        long h = height, w = width;
        int levels = c.ChannelMult.Count;
        long ch = c.Channels * c.ChannelMult[levels - 1];
        n.Conv(c.EmbedDim, c.ZChannels, 1, h, w);
        n.Conv(c.ZChannels, ch, 3, h, w);
        n.VaeMid(ch, h, w);
        for (int level = levels - 1; level >= 0; level--)
        {
            long output = c.Channels * c.ChannelMult[level];
            for (int j = 0; j <= c.NumResBlocks; j++)
            {
                n.VaeResnet(ch, output, h, w);
                ch = output;
                if (c.AttentionLevels[level]) n.VaeAttention(ch, h, w);
            }
            if (level != 0)
            {
                h *= 2;
                w *= 2;
                n.Conv(ch, ch, 3, h, w);
            }
        }
        n.Conv(ch, c.OutChannels, 3, h, w);
        return n.Total;
    }

    /// <summary>CLIP text encoder of <paramref name="batch"/> sequences of <paramref name="tokens"/>, running <paramref name="layers"/> layers.</summary>
    public static double ClipText(ClipTextConfig c, long batch, long tokens, int layers)
    {
        var n = new Counter(batch);
        for (int i = 0; i < layers; i++)
        {
            n.Linear(c.HiddenSize, 3 * c.HiddenSize, tokens);
            n.Attention(tokens, tokens, c.HiddenSize);
            n.Linear(c.HiddenSize, c.HiddenSize, tokens);
            n.Linear(c.HiddenSize, c.IntermediateSize, tokens);
            n.Linear(c.IntermediateSize, c.HiddenSize, tokens);
        }
        return n.Total;
    }

    private sealed class Counter(long batch)
    {
        public double Total { get; private set; }

        public void Conv(long cin, long cout, long k, long h, long w) => Total += 2.0 * batch * cin * cout * k * k * h * w;

        public void Linear(long fin, long fout, long tokens) => Total += 2.0 * batch * fin * fout * tokens;

        /// <summary>q k^T and the weighted sum of v, <paramref name="width"/> channels over all heads.</summary>
        public void Attention(long queries, long keys, long width) => Total += 2.0 * 2 * batch * queries * keys * width;

        public void VaeResnet(long cin, long cout, long h, long w)
        {
            Conv(cin, cout, 3, h, w);
            Conv(cout, cout, 3, h, w);
            if (cin != cout) Conv(cin, cout, 1, h, w);
        }

        public void VaeAttention(long ch, long h, long w)
        {
            Linear(ch, 4 * ch, h * w);
            Attention(h * w, h * w, ch);
        }

        public void VaeMid(long ch, long h, long w)
        {
            VaeResnet(ch, ch, h, w);
            VaeAttention(ch, h, w);
            VaeResnet(ch, ch, h, w);
        }
    }
}
