namespace VideoLoopback.Diffusion.Vae;

/// <summary>
/// The hyper-parameters of the LDM AutoencoderKL (ldm Encoder/Decoder), read from the weights by <see cref="VaeConfigDetector"/>.
/// </summary>
/// <param name="AttentionLevels">levels whose ResnetBlocks are each followed by an attention block (none in SD1.x; the
/// mid-block attention is always present).</param>
public sealed record VaeConfig(
    long ImageChannels,
    long OutChannels,
    long Channels,
    IReadOnlyList<long> ChannelMult,
    int NumResBlocks,
    long ZChannels,
    long EmbedDim,
    IReadOnlyList<bool> AttentionLevels)
{
    /// <summary>The SD1.x VAE (kl-f8: ch 128, ch_mult [1,2,4,4], 2 ResnetBlocks, z 4).</summary>
    public static VaeConfig StableDiffusion => new(3, 3, 128, [1, 2, 4, 4], 2, 4, 4, [false, false, false, false]);

    /// <summary>Image pixels per latent pixel: 2^(levels-1) (8 for SD).</summary>
    public int DownscaleFactor => 1 << (ChannelMult.Count - 1);
}
