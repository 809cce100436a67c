namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// What one text tower takes from a textual-inversion file: the tensor under <see cref="Key"/> (SDXL files hold one per tower,
/// <c>clip_l</c> and <c>clip_g</c>, WebUI's textual_inversion_key), or, where the key is null, the file's single tensor
/// (SD1.x and SD2.x files); its vectors are <see cref="Width"/> wide, the tower's token-embedding width.
/// </summary>
public sealed record TextualInversionPart(string? Key, int Width)
{
    /// <summary>SDXL's CLIP ViT-L tower's part.</summary>
    public const string ClipLKey = "clip_l";

    /// <summary>SDXL's OpenCLIP bigG tower's part.</summary>
    public const string ClipGKey = "clip_g";

    /// <summary>The one part of a model with one text encoder of width <paramref name="width"/>.</summary>
    public static IReadOnlyList<TextualInversionPart> Single(int width) => [new(null, width)];

    /// <summary>
    /// SDXL's two parts, clip_g last: an embedding takes as many prompt positions as its clip_g vectors, as WebUI counts them.
    /// </summary>
    public static IReadOnlyList<TextualInversionPart> StableDiffusionXL(int clipLWidth, int clipGWidth) =>
        [new(ClipLKey, clipLWidth), new(ClipGKey, clipGWidth)];
}
