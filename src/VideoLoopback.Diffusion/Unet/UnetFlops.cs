namespace VideoLoopback.Diffusion.Unet;

/// <summary>
/// Analytical floating-point operation count of one UNet forward (multiply-add = 2 FLOPs): convolutions, linear layers and
/// the two attention matmuls (QK^T and AV). Norms, activations and element-wise adds are not counted.
/// Mirrors the block structure of <see cref="UnetModel"/>.
/// </summary>
public static class UnetFlops
{
    /// <param name="batch">B</param><param name="height">h (latent)</param><param name="width">w (latent)</param>
    /// <param name="contextTokens">T (77 per prompt chunk)</param>
    public static double Count(UnetConfig c, long batch, long height, long width, long contextTokens)
    {
        double total = 0;
        long emb = c.TimeEmbedDim;
        double Conv(long cin, long cout, long k, long h, long w) => 2.0 * batch * cin * cout * k * k * h * w;
        double Linear(long fin, long fout, long tokens) => 2.0 * batch * fin * fout * tokens;

        double Res(long cin, long cout, long h, long w) =>
            Conv(cin, cout, 3, h, w) + Conv(cout, cout, 3, h, w) + (cin != cout ? Conv(cin, cout, 1, h, w) : 0) + Linear(emb, cout, 1);

        double Transformer(long ch, long h, long w, int depth)
        {
            long n = h * w, ctx = c.ContextDim, t = contextTokens;
            double block =
                4 * Linear(ch, ch, n) + 2.0 * 2 * batch * n * n * ch                                   // self-attention
                + 2 * Linear(ch, ch, n) + 2 * Linear(ctx, ch, t) + 2.0 * 2 * batch * n * t * ch         // cross-attention
                + Linear(ch, 8 * ch, n) + Linear(4 * ch, ch, n);                                        // GEGLU feed-forward
            return 2 * Linear(ch, ch, n) + depth * block;                                  // proj_in/out (1x1 conv = linear)
        }

        total += Linear(c.TimeEmbedInput, emb, 1) + Linear(emb, emb, 1);
        if (c.AdmInChannels > 0) total += Linear(c.AdmInChannels, emb, 1) + Linear(emb, emb, 1);  // label_emb
        long hh = height, ww = width, ch = c.ModelChannels;
        total += Conv(c.InChannels, ch, 3, hh, ww);
        var skips = new Stack<(long Ch, long H, long W)>();
        skips.Push((ch, hh, ww));
        int levels = c.ChannelMult.Count;
        for (int level = 0; level < levels; level++)
        {
            long width_ = c.ModelChannels * c.ChannelMult[level];
            for (int i = 0; i < c.NumResBlocks; i++)
            {
                total += Res(ch, width_, hh, ww);
                ch = width_;
                if (c.AttentionLevels[level]) total += Transformer(ch, hh, ww, c.DepthAt(level));
                skips.Push((ch, hh, ww));
            }
            if (level != levels - 1)
            {
                hh = (hh + 1) / 2;
                ww = (ww + 1) / 2;
                total += Conv(ch, ch, 3, hh, ww);
                skips.Push((ch, hh, ww));
            }
        }
        total += 2 * Res(ch, ch, hh, ww) + (c.MiddleAttention ? Transformer(ch, hh, ww, c.MiddleDepth) : 0);
        for (int level = levels - 1; level >= 0; level--)
        {
            long width_ = c.ModelChannels * c.ChannelMult[level];
            for (int i = 0; i <= c.NumResBlocks; i++)
            {
                var skip = skips.Pop();
                hh = skip.H;
                ww = skip.W;
                total += Res(ch + skip.Ch, width_, hh, ww);
                ch = width_;
                if (c.AttentionLevels[level]) total += Transformer(ch, hh, ww, c.DepthAt(level));
                if (level != 0 && i == c.NumResBlocks)
                {
                    total += Conv(ch, ch, 3, 2 * hh, 2 * ww);
                }
            }
        }
        total += Conv(ch, c.OutChannels, 3, hh, ww);
        return total;
    }
}
