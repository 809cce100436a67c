using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Sampling.Noise;
using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>The settings of one img2img frame (WebUI's StableDiffusionProcessingImg2Img fields that matter here).</summary>
public sealed record Img2ImgParams
{
    public required string Prompt { get; init; }
    public string NegativePrompt { get; init; } = "";
    public required ulong Seed { get; init; }
    public ulong Subseed { get; init; }
    public double SubseedStrength { get; init; }
    public double CfgScale { get; init; } = 7;
    public int Steps { get; init; } = 20;
    public double Denoising { get; init; } = 0.75;
    /// <summary>WebUI sampler name or alias ("Euler a", "DPM++ 2M", old "DPM++ 2M Karras" too).</summary>
    public string Sampler { get; init; } = "Euler a";
    /// <summary>WebUI schedule type ("Automatic", "Karras", ...).</summary>
    public string Scheduler { get; init; } = "Automatic";
    public int ClipSkip { get; init; } = 1;
    /// <summary>Images generated from the frame in one sampler batch (seeds Seed + k, or Seed with a variation strength).</summary>
    public int BatchSize { get; init; } = 1;
    public RandnSource RandnSource { get; init; } = RandnSource.Gpu; // WebUI default: the device generator
    /// <summary>Eta and the sigma churn settings (WebUI's p.eta, s_churn, s_tmin, s_tmax, s_noise); the defaults are WebUI's.</summary>
    public SamplerOptions SamplerOptions { get; init; } = new();
    /// <summary>WebUI's eta_noise_seed_delta (ENSD): after the initial noise every image's generator restarts from seed + delta; 0 = off.</summary>
    public ulong EtaNoiseSeedDelta { get; init; }
    /// <summary>WebUI's "resize seed from" width in pixels: the seed's noise as made for that size, centred; 0 = off (set with the height).</summary>
    public int SeedResizeFromWidth { get; init; }
    /// <summary>WebUI's "resize seed from" height in pixels; 0 = off (set with the width).</summary>
    public int SeedResizeFromHeight { get; init; }
    /// <summary>Processing width (WebUI width, a multiple of 8); null: the init image's width.</summary>
    public int? Width { get; init; }
    /// <summary>Processing height (WebUI height, a multiple of 8); null: the init image's height.</summary>
    public int? Height { get; init; }
    /// <summary>How an init image (and whole-picture mask) of another size is brought to the processing size (WebUI resize_mode).</summary>
    public WebUiResizeMode ResizeMode { get; init; } = WebUiResizeMode.JustResize;
    /// <summary>Inpainting settings, used when the frame has a mask.</summary>
    public InpaintSettings Inpaint { get; init; } = new();
    /// <summary>LoRAs applied besides the prompt's &lt;lora:…&gt; tags (these come first), resolved in the pipeline's LoRA folder.</summary>
    public IReadOnlyList<LoraTag> Loras { get; init; } = [];

    /// <summary>Sampler and scheduler resolved by name; throws a clear error for unknown names.</summary>
    public (SamplerInfo Sampler, Scheduler Scheduler) ResolveSampler() => SamplerRegistry.Resolve(Sampler, Scheduler);

    /// <summary>The largest width or height, far beyond any size SD was trained for: a typo (99999) is refused before loading.</summary>
    public const int MaxSide = 16384;

    /// <summary>The most images in one sampler batch: far beyond any device, so a mistyped batch size is refused before loading.</summary>
    public const int MaxBatchSize = 1024;

    /// <summary>Checks every value before any work; the message names the parameter.</summary>
    public void Validate()
    {
        var (sampler, scheduler) = ResolveSampler();
        Img2ImgSteps.CheckSampler(sampler, scheduler, Steps, Denoising);
        if (!double.IsFinite(CfgScale)) throw new ArgumentOutOfRangeException(nameof(CfgScale), CfgScale, "cfg scale must be a finite number");
        if (!(SubseedStrength >= 0 && SubseedStrength <= 1)) throw new ArgumentOutOfRangeException(nameof(SubseedStrength), SubseedStrength, "subseed strength must lie in [0,1]");
        if (BatchSize is < 1 or > MaxBatchSize)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"batch size must be ≥ 1 and at most {MaxBatchSize}");
        if (ClipSkip < 1) throw new ArgumentOutOfRangeException(nameof(ClipSkip), ClipSkip, "clip skip must be ≥ 1");
        if (SeedResizeFromWidth < 0 || SeedResizeFromHeight < 0 || (SeedResizeFromWidth == 0) != (SeedResizeFromHeight == 0)
            || (SeedResizeFromWidth > 0 && (SeedResizeFromWidth < 8 || SeedResizeFromHeight < 8)))
            throw new ArgumentOutOfRangeException(nameof(SeedResizeFromWidth), $"seed resize from width×height must be both 0 (off) or both ≥ 8 pixels; got {SeedResizeFromWidth}×{SeedResizeFromHeight}");
        if (Width is { } w && (w is < 8 or > MaxSide || w % 8 != 0))
            throw new ArgumentOutOfRangeException(nameof(Width), w, $"width must be a positive multiple of 8, at most {MaxSide}");
        if (Height is { } h && (h is < 8 or > MaxSide || h % 8 != 0))
            throw new ArgumentOutOfRangeException(nameof(Height), h, $"height must be a positive multiple of 8, at most {MaxSide}");
        if (ResizeMode is not (WebUiResizeMode.JustResize or WebUiResizeMode.CropAndResize or WebUiResizeMode.ResizeAndFill))
            throw new ArgumentOutOfRangeException(nameof(ResizeMode), ResizeMode,
                "resize mode must be 0 (just resize), 1 (crop and resize) or 2 (resize and fill)");
        Inpaint.Validate();
        SamplerOptions.Validate();
    }
}

/// <summary>WebUI's inpainting settings; the defaults are WebUI's img2img defaults.</summary>
public sealed record InpaintSettings
{
    public int MaskBlurX { get; init; } = 4;
    public int MaskBlurY { get; init; } = 4;
    public InpaintMaskMode MaskMode { get; init; } = InpaintMaskMode.InpaintMasked;
    public MaskedContent MaskedContent { get; init; } = MaskedContent.Original;
    public InpaintArea Area { get; init; } = InpaintArea.WholePicture;
    /// <summary>WebUI inpaint_full_res_padding: pixels added around the mask before cropping, for <see cref="InpaintArea.OnlyMasked"/> (UI default 32).</summary>
    public int OnlyMaskedPadding { get; init; } = 32;
    /// <summary>WebUI option inpainting_mask_weight: how much of the masked image the inpainting UNet sees (1 = fully masked out).</summary>
    public double InpaintingMaskWeight { get; init; } = 1.0;
    /// <summary>WebUI option mask_round: latent masks rounded to 0/1.</summary>
    public bool RoundMask { get; init; } = true;

    public void Validate()
    {
        if (MaskBlurX < 0 || MaskBlurY < 0) throw new ArgumentOutOfRangeException(nameof(MaskBlurX), $"mask blur must be ≥ 0 (got x={MaskBlurX}, y={MaskBlurY})");
        if (!(InpaintingMaskWeight >= 0 && InpaintingMaskWeight <= 1)) throw new ArgumentOutOfRangeException(nameof(InpaintingMaskWeight), InpaintingMaskWeight, "inpainting mask weight must lie in [0,1]");
        if (OnlyMaskedPadding < 0) throw new ArgumentOutOfRangeException(nameof(OnlyMaskedPadding), OnlyMaskedPadding, "only masked padding must be ≥ 0 pixels");
        if (!Enum.IsDefined(MaskedContent)) throw new ArgumentOutOfRangeException(nameof(MaskedContent), MaskedContent, "unknown masked content");
        if (!Enum.IsDefined(Area)) throw new ArgumentOutOfRangeException(nameof(Area), Area, "unknown inpaint area");
    }
}

/// <summary>
/// One frame to generate: the init image uint8 [3,H,W], its settings, an optional mask uint8 [H,W] or [1,H,W] of the
/// image's size (255 = repaint), and optional ControlNet units whose hints are [1,3,h,w] in [0,1] at the processing size
/// (see <see cref="ControlNet.HintImage"/>). The image is resized to the processing size (Width×Height) unless it has it
/// already; with "only masked" it stays at its size and only the crop around the mask is generated at the processing size.
/// </summary>
public sealed record Img2ImgFrame(TorchSharp.torch.Tensor Init, Img2ImgParams Params, TorchSharp.torch.Tensor? Mask = null,
    IReadOnlyList<ControlNet.ControlNetUnit>? Controls = null);
