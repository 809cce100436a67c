using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// A text encoder as a model family stores it: the part name <c>inspect</c> shows, the prefix all its keys share, the
/// prefixes its tower's own keys may start with (first match wins), and the tower's key set when it is known.
/// </summary>
public sealed record TextEncoderLayout(string Component, string KeyPrefix, IReadOnlyList<string> TowerPrefixes, TextTowerKeys? Keys)
{
    /// <summary>Where the tower's keys start in the file, or null when none of <see cref="TowerPrefixes"/> holds them.</summary>
    public string? FindTower(CheckpointTensorIndex index) => Keys?.FindPrefix(index, TowerPrefixes);

    /// <summary>SDXL's two towers (sd_xl_base.yaml): CLIP ViT-L with Hugging Face names, then OpenCLIP ViT-bigG.</summary>
    public static IReadOnlyList<TextEncoderLayout> StableDiffusionXL { get; } =
    [
        new("text encoder 1 (CLIP ViT-L)", "conditioner.embedders.0.", [SdxlTextEncoders.ClipLPrefix], TextTowerKeys.Clip),
        new("text encoder 2 (OpenCLIP ViT-bigG)", "conditioner.embedders.1.", [SdxlTextEncoders.BigGPrefix], TextTowerKeys.OpenClip),
    ];
}
