namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>WebUI "Mask mode": repaint the painted area, or everything except it (the mask is inverted before the blur).</summary>
public enum InpaintMaskMode { InpaintMasked, InpaintNotMasked }

/// <summary>
/// WebUI "Masked content": what the masked area starts from. WebUI runs masking.fill on the init pixels for every
/// mode but <see cref="Original"/>, so the latent modes too encode the filled image.
/// </summary>
public enum MaskedContent
{
    /// <summary>The masked pixels are filled with blurred surrounding colours before encoding (masking.fill).</summary>
    Fill,

    /// <summary>The init image as it is.</summary>
    Original,

    /// <summary>The masked latent (of the filled image) replaced by seeded noise (the batch's seeds, no variation).</summary>
    LatentNoise,

    /// <summary>The masked latent (of the filled image) zeroed.</summary>
    LatentNothing,
}

/// <summary>WebUI "Inpaint area": the whole picture at the processing size, or only a padded crop around the mask, upscaled.</summary>
public enum InpaintArea { WholePicture, OnlyMasked }
