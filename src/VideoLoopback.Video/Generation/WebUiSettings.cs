using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Sampling.Noise;

namespace VideoLoopback.Video.Generation;

/// <summary>
/// The img2img settings a job sets once for every frame, under WebUI's processing-object and option names: inpainting,
/// seed resize, schedule type, sampler noise, ENSD and the RNG source. The defaults are the values the original extension
/// gets from WebUI's img2img tab untouched (mask blur 4, masked content original, whole picture, ...).
/// </summary>
public sealed record WebUiSettings
{
    public static WebUiSettings Default { get; } = new();

    /// <summary>mask_blur, in pixels, both directions.</summary>
    public int MaskBlur { get; init; } = 4;

    /// <summary>inpainting_fill: 0 fill, 1 original, 2 latent noise, 3 latent nothing.</summary>
    public int InpaintingFill { get; init; } = 1;

    /// <summary>inpaint_full_res: only the padded crop around the mask is generated ("Only masked").</summary>
    public bool InpaintFullRes { get; init; }

    public int InpaintFullResPadding { get; init; } = 32;

    /// <summary>inpainting_mask_invert: 1 repaints everything but the mask.</summary>
    public int InpaintingMaskInvert { get; init; }

    /// <summary>seed_resize_from_w / _h in pixels; off unless both are positive (WebUI's default -1).</summary>
    public int SeedResizeFromW { get; init; } = -1;

    public int SeedResizeFromH { get; init; } = -1;

    /// <summary>WebUI's schedule type label ("Automatic", "Karras", ...).</summary>
    public string Scheduler { get; init; } = "Automatic";

    public SamplerOptions SamplerOptions { get; init; } = new();

    public ulong EtaNoiseSeedDelta { get; init; }

    public RandnSource RandnSource { get; init; } = RandnSource.Gpu;

    /// <summary><paramref name="p"/> with these settings.</summary>
    public Img2ImgParams ApplyTo(Img2ImgParams p)
    {
        bool seedResize = SeedResizeFromW > 0 && SeedResizeFromH > 0;
        return p with
        {
            Scheduler = Scheduler,
            SamplerOptions = SamplerOptions,
            EtaNoiseSeedDelta = EtaNoiseSeedDelta,
            RandnSource = RandnSource,
            SeedResizeFromWidth = seedResize ? SeedResizeFromW : 0,
            SeedResizeFromHeight = seedResize ? SeedResizeFromH : 0,
            Inpaint = p.Inpaint with
            {
                MaskBlurX = MaskBlur, MaskBlurY = MaskBlur,
                MaskedContent = (MaskedContent)InpaintingFill,
                Area = InpaintFullRes ? InpaintArea.OnlyMasked : InpaintArea.WholePicture,
                OnlyMaskedPadding = InpaintFullResPadding,
                MaskMode = InpaintingMaskInvert == 0 ? InpaintMaskMode.InpaintMasked : InpaintMaskMode.InpaintNotMasked,
            },
        };
    }
}
