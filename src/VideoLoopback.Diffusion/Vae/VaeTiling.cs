namespace VideoLoopback.Diffusion.Vae;

/// <summary>
/// Tiled encode/decode settings, in latent pixels. Tiles overlap by <see cref="OverlapLatent"/> and are blended with linear
/// ramps across the overlap. Each tile's GroupNorm statistics and the mid-block attention see only that tile, so a tiled
/// result differs slightly from the untiled one even away from the seams; see the tests for the measured agreement.
/// </summary>
public sealed record VaeTiling(int TileLatent = 64, int OverlapLatent = 16)
{
    public void Validate()
    {
        if (TileLatent < 8) throw new ArgumentException($"VAE tile size must be at least 8 latent pixels, got {TileLatent}");
        if (OverlapLatent < 0 || OverlapLatent * 2 > TileLatent)
            throw new ArgumentException($"VAE tile overlap must be between 0 and half the tile size ({TileLatent / 2}), got {OverlapLatent}");
    }
}
