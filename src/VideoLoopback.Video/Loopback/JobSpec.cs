using VideoLoopback.Video.Generation;
using static VideoLoopback.Video.Loopback.JobKeyWrite;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// Everything a loopback render needs: the original extension's script arguments and the img2img settings it took from
/// WebUI, under the original's names (see <see cref="JobFile"/>). Immutable; <see cref="JobValidator"/> checks a whole job
/// before the first frame. Each parameter is declared once, here: its <see cref="JobKeyAttribute"/> gives the settings-JSON key,
/// the render option and help line, the range and how it is written; the property initializer is its default.
/// </summary>
public sealed record JobSpec
{
    // Script arguments of the original, in its order.
    [JobKey("input_dir", "PATH", "input_directory: a video file, a folder of images or one image.", Option = "--input")]
    public string InputDir { get; init; } = "";

    [JobKey("output_dir", "FOLDER", "output_dir: each render goes to a new folder <output>/<timestamp>.", Option = "--output")]
    public string OutputDir { get; init; } = "";

    [JobKey("use_mask", "BOOL", "Inpaint only where the mask is white (masks from --mask-dir, or the frames' alpha).")]
    public bool UseMask { get; init; }

    [JobKey("mask_dir", "PATH", "A folder of masks named like the frames, or one mask for all.")]
    public string MaskDir { get; init; } = "";

    [JobKey("mask_threshold", "N", "Mask pixels above this (0-255) are repainted. Default 127.", Min = 0, Max = 255)]
    public int MaskThreshold { get; init; } = 127;

    [JobKey("read_prompt_from_txt", "BOOL",
        "Prompt per frame from the .txt beside each image: the text before ' --neg ' is the prompt, the rest the negative.")]
    public bool ReadPromptFromTxt { get; init; }

    [JobKey("output_frame_rate", "FPS", "Frame rate of the written videos. Default 30.",
        Min = 0, MinExclusive = true, Expected = "a positive number", IntegralWrittenAsInt = true)]
    public double OutputFrameRate { get; init; } = 30;

    [JobKey("max_frames", "N", "Use at most N input frames.", Min = 1)]
    public int MaxFrames { get; init; } = 9999;

    [JobKey("extract_nth_frame", "N", "Use every N-th input frame. Default 1.", Min = 1)]
    public int ExtractNthFrame { get; init; } = 1;

    [JobKey("is_continue", "BOOL", "The input is an earlier run's frames: take them all, no extraction.")]
    public bool IsContinue { get; init; }

    [JobKey("loop_n", "N", "Loops over the whole video. Default 10.", Min = 1)]
    public int LoopN { get; init; } = 10;

    [JobKey("superimpose_alpha", "A", "Weight of the generated image when blending it onto the frame (0 keeps the frame). Default 0.25.")]
    public double SuperimposeAlpha { get; init; } = 0.25;

    [JobKey("fix_seed", "BOOL", "Same seed for every frame; false: it advances by batch_count x batch_size each frame. Default true.")]
    public bool FixSeed { get; init; } = true;

    [JobKey("fix_subseed", "BOOL", "Same variation seed for every frame.")]
    public bool FixSubseed { get; init; }

    [JobKey("temporal_superimpose_method", "METHOD", "simple, or 'with difference mask from reference'.")]
    public TemporalSuperimposeMethod TemporalSuperimposeMethod { get; init; }

    [JobKey("temporal_superimpose_alpha_list", "LIST", "Odd-length weights of neighbouring frames, e.g. 0.1,0.8,0.1. Default 1.")]
    public string TemporalSuperimposeAlphaList { get; init; } = "1";

    [JobKey("reference_frames_dir", "DIRS",
        "Control-image folders separated by !!!, one per --controlnet (the first is also the difference-mask reference).",
        Option = "--reference-frames-directory")]
    public string ReferenceFramesDir { get; init; } = "";

    [JobKey("save_every_loop", "BOOL", "Write a video after every loop. Default true.")]
    public bool SaveEveryLoop { get; init; } = true;

    [JobKey("subseed_strength_schedule", "EXPR", "Python expression of image_i, loop_i, ... per frame (see the README's schedules).",
        Schedule = true)]
    public string SubseedStrengthSchedule { get; init; } = "";

    [JobKey("denoising_schedule", "EXPR", "Denoising strength per frame, e.g. 0.4 if loop_i < 3 else 0.2.", Schedule = true)]
    public string DenoisingSchedule { get; init; } = "";

    [JobKey("step_schedule", "EXPR", "Sampling steps per frame.", Schedule = true)]
    public string StepSchedule { get; init; } = "";

    [JobKey("seed_schedule", "EXPR", "Seed per frame.", Schedule = true)]
    public string SeedSchedule { get; init; } = "";

    [JobKey("subseed_schedule", "EXPR", "Variation seed per frame.", Schedule = true)]
    public string SubseedSchedule { get; init; } = "";

    [JobKey("cfg_schedule", "EXPR", "CFG scale per frame.", Schedule = true)]
    public string CfgSchedule { get; init; } = "";

    [JobKey("superimpose_alpha_schedule", "EXPR", "Superimpose alpha per frame.", Schedule = true)]
    public string SuperimposeAlphaSchedule { get; init; } = "";

    [JobKey("temporal_superimpose_schedule", "EXPR", "Temporal alpha list per frame.", Schedule = true)]
    public string TemporalSuperimposeSchedule { get; init; } = "";

    [JobKey("prompt_schedule", "EXPR", "Prompt per frame (may hold <lora:name:weight> tags).", Schedule = true)]
    public string PromptSchedule { get; init; } = "";

    [JobKey("negative_prompt_schedule", "EXPR", "Negative prompt per frame.", Schedule = true)]
    public string NegativePromptSchedule { get; init; } = "";

    [JobKey("batch_count_schedule", "EXPR", "Batch count (images blended per frame) per frame.", Schedule = true)]
    public string BatchCountSchedule { get; init; } = "";

    [JobKey("image_post_processing_schedule", "EXPR",
        "PIL-style filter applied to each result, e.g. lambda img: img.filter(ImageFilter.SHARPEN).", Schedule = true)]
    public string ImagePostProcessingSchedule { get; init; } = "";

    [JobKey("video_post_process_method", "METHOD", "None or FastDVDNet (denoise each finished loop).")]
    public VideoPostProcessMethod VideoPostProcessMethod { get; init; }

    [JobKey("video_post_process_alpha", "A", "Weight of the denoised frame. Default 0.3.")]
    public double VideoPostProcessAlpha { get; init; } = 0.3;

    [JobKey("fastdvdnet_noise_sigma", "S", "FastDVDNet noise level, 0-255 scale. Default 60.", IntegralWrittenAsInt = true)]
    public double FastdvdnetNoiseSigma { get; init; } = 60;

    // img2img settings (WebUI's processing object).
    /// <summary>-1 picks a random seed when the render starts (WebUI's fix_seed).</summary>
    [JobKey("seed", "N", "-1 picks a random seed at the start. Default -1.")]
    public long Seed { get; init; } = -1;

    [JobKey("subseed", "N", "Variation seed; -1 picks one at random.")]
    public long Subseed { get; init; } = -1;

    [JobKey("subseed_strength", "S", "Variation strength 0..1. Default 0.")]
    public double SubseedStrength { get; init; }

    [JobKey("cfg_scale", "S", "Classifier-free guidance scale. Default 7.")]
    public double CfgScale { get; init; } = 7;

    [JobKey("prompt", "TEXT", "Prompt, WebUI syntax: (word:1.2), [a:b:0.5], AND, <lora:name:0.8>.")]
    public string Prompt { get; init; } = "";

    [JobKey("negative_prompt", "TEXT", "Negative prompt.")]
    public string NegativePrompt { get; init; } = "";

    [JobKey("sampler_name", "NAME", "WebUI sampler name, e.g. 'Euler a', 'DPM++ 2M', 'DPM++ 2M Karras'. Default Euler a.")]
    public string SamplerName { get; init; } = "Euler a";

    [JobKey("width", "N", "Generation width, a multiple of 8. Default 512.", Min = 1, Max = Diffusion.Pipelines.Img2ImgParams.MaxSide)]
    public int Width { get; init; } = 512;

    [JobKey("height", "N", "Generation height, a multiple of 8. Default 512.", Min = 1, Max = Diffusion.Pipelines.Img2ImgParams.MaxSide)]
    public int Height { get; init; } = 512;

    /// <summary>WebUI writes null when img2img never set it: its default 0.75.</summary>
    [JobKey("denoising_strength", "S", "0 keeps the frame, 1 ignores it. Default 0.4.", Min = 0, Max = 1, NullReadsAs = 0.75)]
    public double DenoisingStrength { get; init; } = 0.4;

    [JobKey("batch_size", "N", "Images per sampler batch, blended into the frame. Default 1.", Min = 1, Max = Diffusion.Pipelines.Img2ImgParams.MaxBatchSize)]
    public int BatchSize { get; init; } = 1;

    [JobKey("n_iter", "N", "n_iter: sampler batches per frame. Default 1.", Option = "--batch-count", Min = 1, Max = JobValidator.MaxBatchCount)]
    public int NIter { get; init; } = 1;

    [JobKey("steps", "N", "Sampling steps (img2img runs about steps x denoising of them). Default 20.", Min = 1)]
    public int Steps { get; init; } = 20;

    [JobKey("resize_mode", "N", "0 just resize, 1 crop and resize, 2 resize and fill. Default 0.", Min = 0, Max = 3,
        Expected = "0 (just resize), 1 (crop and resize), 2 (resize and fill) or 3 (latent upscale)")]
    public int ResizeMode { get; init; }

    [JobKey("clip_skip", "N", "CLIP layers to skip from the end (1 = none). Default 1.")]
    public int ClipSkip { get; init; } = 1;

    // Ours, not the original's.
    /// <summary>Checkpoint file for the SD generator.</summary>
    [JobKey("model", "FILE", "SD1.x, SD2.x, SDXL or SDXL refiner checkpoint for --generator sd (default weights/v1-5-pruned-emaonly.safetensors).",
        Option = "--model|--checkpoint", Write = Never)]
    public string? Model { get; init; }

    /// <summary>Frames handed to the generator per call; results do not depend on it.</summary>
    [JobKey("generator_batch", "N", "Frames per generator call (results do not depend on it). Default 8.", Min = 1, Write = Never,
        ResumeMayChange = true)]
    public int GeneratorBatch { get; init; } = 8;

    /// <summary>
    /// FastDVDNet weights (.pth or .safetensors) for video_post_process_method FastDVDNet; null = the default
    /// locations (weights/fastdvdnet/model.pth or model.safetensors, see weights/README.md).
    /// </summary>
    [JobKey("fastdvdnet_weights", "PATH", "FastDVDNet weights, .pth or .safetensors (default weights/fastdvdnet/model.pth or model.safetensors).",
        Write = WhenChanged, WrittenAsFullPath = true, ResumeMayChange = true)]
    public string? FastdvdnetWeights { get; init; }

    /// <summary>ControlNet units, one per <c>!!!</c>-separated reference directory (or one fed the input frames).</summary>
    [JobKey("controlnet_units", "SPEC",
        "A ControlNet unit, repeatable: MODEL[,weight=1][,start=0][,end=1][,mode=balanced|prompt|controlnet][,resize=crop|just|fill]" +
        "[,module=none|canny|...][,processor_res=N][,threshold_a=A][,threshold_b=B]. " +
        "Unit k reads the k-th reference folder, or the input frames when there is none.", Option = "--controlnet", Write = WhenChanged)]
    public IReadOnlyList<ControlNetSpec> ControlNets { get; init; } = [];

    /// <summary>LoRAs for every frame, <c>name[:multiplier]</c>; prompt tags add to them.</summary>
    [JobKey("loras", "NAME[:WEIGHT]", "A LoRA for every frame, repeatable (prompt tags <lora:name:weight> add to these).",
        Option = "--lora", Write = WhenChanged)]
    public IReadOnlyList<string> Loras { get; init; } = [];

    /// <summary>Folder the LoRA names (job and prompt tags) are looked up in, recursively; null = weights/lora.</summary>
    [JobKey("lora_dir", "FOLDER", "Where LoRA names are looked up, recursively. Default weights/lora.",
        Write = WhenChanged, WrittenAsFullPath = true)]
    public string? LoraDir { get; init; }

    public const string DefaultLoraDir = "weights/lora";

    // Textual-inversion embeddings
    /// <summary>Folder the textual-inversion embeddings named in prompts are looked up in, recursively; null = weights/embeddings.</summary>
    [JobKey("embeddings_dir", "FOLDER", "Where textual-inversion embeddings named in prompts are looked up, recursively. Default weights/embeddings.",
        Write = WhenChanged, WrittenAsFullPath = true)]
    public string? EmbeddingsDir { get; init; }

    public const string DefaultEmbeddingsDir = "weights/embeddings";

    // WebUI img2img settings beyond the original's: inpainting, seed resize, schedule type, sampler noise, RNG, VAE.
    [JobKey("mask_blur", "N", "Mask blur in pixels. Default 4.", Min = 0, Write = WhenChanged)]
    public int MaskBlur { get; init; } = 4;

    [JobKey("inpainting_fill", "N", "Masked content: 0 fill, 1 original, 2 latent noise, 3 latent nothing. Default 1.", Min = 0, Max = 3,
        Expected = "0 (fill), 1 (original), 2 (latent noise) or 3 (latent nothing)", Write = WhenChanged)]
    public int InpaintingFill { get; init; } = 1;

    [JobKey("inpaint_full_res", "BOOL", "Inpaint area 'Only masked': a padded crop around the mask generated at width x height. Default false.",
        Write = WhenChanged, BoolOrInt = true)]
    public bool InpaintFullRes { get; init; }

    [JobKey("inpaint_full_res_padding", "N", "Pixels added around the mask for inpaint_full_res. Default 32.", Min = 0, Write = WhenChanged)]
    public int InpaintFullResPadding { get; init; } = 32;

    [JobKey("inpainting_mask_invert", "N", "1 (or true): repaint everything but the mask. Default 0.", Min = 0, Max = 1,
        Expected = "0 (inpaint masked) or 1 (inpaint not masked)", Write = WhenChanged, BoolOrInt = true)]
    public int InpaintingMaskInvert { get; init; }

    [JobKey("seed_resize_from_w", "N", "Resize seed from width: noise made for this size, centred; off unless both are > 0. Default -1.",
        Write = WhenChanged)]
    public int SeedResizeFromW { get; init; } = -1;

    [JobKey("seed_resize_from_h", "N", "Resize seed from height (see seed_resize_from_w). Default -1.", Write = WhenChanged)]
    public int SeedResizeFromH { get; init; } = -1;

    [JobKey("scheduler", "NAME", "Schedule type: Automatic, Uniform, Karras, Exponential, Polyexponential, SGM Uniform, KL Optimal, " +
        "Align Your Steps, Simple, Normal, DDIM, Beta. Default Automatic.", Write = WhenChanged)]
    public string Scheduler { get; init; } = "Automatic";

    /// <summary>WebUI's p.eta; null: the eta_ancestral option (1) for k-diffusion samplers, eta_ddim (0) for DDIM and DDIM CFG++.</summary>
    [JobKey("eta", "S", "Noise multiplier of ancestral and SDE samplers, DDIM and DDIM CFG++. Default 1 (the DDIMs 0).", Min = 0, Write = WhenChanged)]
    public double? Eta { get; init; }

    [JobKey("s_churn", "S", "Sigma churn of Euler, Heun and DPM2: extra noise before each step. Default 0.", Min = 0, Write = WhenChanged)]
    public double SChurn { get; init; }

    [JobKey("s_tmin", "S", "Sigma tmin: churn only at sigmas >= this. Default 0.", Min = 0, Write = WhenChanged)]
    public double STmin { get; init; }

    [JobKey("s_tmax", "S", "Sigma tmax: churn only at sigmas <= this; 0 = no limit. Default 0.", Min = 0, Write = WhenChanged)]
    public double STmax { get; init; }

    [JobKey("s_noise", "S", "Sigma noise: scale of the churn noise of Euler, Heun and DPM2. Default 1.", Write = WhenChanged)]
    public double SNoise { get; init; } = 1;

    [JobKey("eta_noise_seed_delta", "N", "ENSD: ancestral/SDE noise restarts from seed + N after the initial noise. Default 0.", Min = 0,
        Write = WhenChanged)]
    public long EtaNoiseSeedDelta { get; init; }

    [JobKey("randn_source", "SOURCE", "Noise source: GPU (WebUI's default, the device's generator; CPU on a CPU), CPU or NV. Default GPU.",
        Write = WhenChanged)]
    public string RandnSource { get; init; } = "GPU";

    [JobKey("sd_vae", "FILE", "A standalone VAE (.safetensors, .ckpt or .pt) replacing the checkpoint's.", Write = WhenChanged, WrittenAsFullPath = true)]
    public string? SdVae { get; init; }

    [JobKey("prediction", "auto|eps|v", "What the checkpoint's UNet predicts. auto: SD2.x is tested as WebUI does (one UNet run), others are eps. Default auto.",
        Write = WhenChanged)]
    public string Prediction { get; init; } = "auto";

    [JobKey("vae_tiling", "BOOL", "VAE encode/decode in overlapping tiles to save memory; not WebUI-exact (seams blended). Default false.",
        Write = WhenChanged)]
    public bool VaeTiling { get; init; }

    // Video encoding (see Ffmpeg/VideoEncoding): the defaults are the original's lossless H.264 .mp4.
    [JobKey("video_codec", "NAME", "ffmpeg video encoder, e.g. libx264, libx265, libvpx-vp9; the container follows (.mp4, .webm, .mkv). " +
        "Default libx264.", Write = WhenChanged, ResumeMayChange = true)]
    public string VideoCodec { get; init; } = Ffmpeg.VideoEncoding.DefaultCodec;

    [JobKey("video_crf", "N", "Constant quality (-crf; lower is better, e.g. 18). Not with video_qp.", Min = 0, Write = WhenChanged,
        ResumeMayChange = true)]
    public int? VideoCrf { get; init; }

    [JobKey("video_qp", "N", "Constant quantizer (-qp). Default for libx264: 0 (lossless). Not with video_crf.", Min = 0,
        Write = WhenChanged, ResumeMayChange = true)]
    public int? VideoQp { get; init; }

    [JobKey("video_pix_fmt", "FORMAT", "Pixel format of the written videos, e.g. yuv444p. Default yuv420p for libx264.",
        Write = WhenChanged, ResumeMayChange = true)]
    public string? VideoPixFmt { get; init; }

    [JobKey("video_lossless", "BOOL", "Lossless FFV1 .mkv of the frames' own RGB or RGBA (alpha kept), instead of video_codec.",
        Write = WhenChanged, ResumeMayChange = true)]
    public bool VideoLossless { get; init; }

    // Untrusted images: the decompression-bomb limit, checked from each image's header before it is decoded.
    [JobKey("max_image_pixels", "N", "Largest image (width x height) read from the input, mask and reference folders. " +
        "Default 178956970 (Pillow's limit).", Min = 1, Write = WhenChanged)]
    public int MaxImagePixels { get; init; } = Imaging.ImageFile.DefaultMaxPixels;

    // Frame memory (see FrameMemoryPlan): frames past the budget spill to disk (CPU) or pinned host memory (CUDA).
    [JobKey("frame_memory_budget_mb", "MB", "Device memory the frame stores may hold; past it frames spill to disk (CPU) or pinned " +
        "host memory (CUDA), same frames. Default: half the available memory (CPU), 4096 (CUDA).", Min = 1, Write = WhenChanged,
        ResumeMayChange = true)]
    public int? FrameMemoryBudgetMb { get; init; }

    /// <summary>The video_* keys as the encoder takes them.</summary>
    public Ffmpeg.VideoEncoding VideoEncoding => new()
    {
        Codec = VideoCodec, Crf = VideoCrf, Qp = VideoQp, PixelFormat = VideoPixFmt, Lossless = VideoLossless,
    };

    /// <summary>The alpha list parsed the way the original does: comma separated floats, empty parts skipped, <c>[1]</c> when empty.</summary>
    public IReadOnlyList<double> TemporalAlphas()
    {
        var parts = TemporalSuperimposeAlphaList.Split(',').Where(p => p.Length > 0).ToList();
        var values = new List<double>();
        foreach (var part in parts)
        {
            if (!double.TryParse(part.Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v))
                throw new JobException($"temporal_superimpose_alpha_list: '{part}' is not a number (expected comma separated numbers such as 0.1,0.8,0.1)");
            values.Add(v);
        }
        return values.Count == 0 ? [1.0] : values;
    }

    /// <summary>reference_frames_directory split on <c>!!!</c>, each part trimmed, empty parts dropped.</summary>
    public IReadOnlyList<string> ReferenceDirs() =>
        ReferenceFramesDir.Split("!!!").Select(p => p.Trim()).Where(p => p.Length > 0).ToList();

    public bool UsesDifferenceMask => TemporalSuperimposeMethod == TemporalSuperimposeMethod.WithDifferenceMask;

    /// <summary>WebUI's p for this job before any schedule: the img2img settings as they are (resolve seeds of -1 first).</summary>
    public FrameGenerationParams GenerationParams() => new()
    {
        Prompt = Prompt,
        NegativePrompt = NegativePrompt,
        Seed = Seed,
        Subseed = Subseed,
        SubseedStrength = SubseedStrength,
        CfgScale = CfgScale,
        Steps = Steps,
        DenoisingStrength = DenoisingStrength,
        BatchSize = BatchSize,
        BatchCount = NIter,
        Width = Width,
        Height = Height,
        ResizeMode = ResizeMode,
        SamplerName = SamplerName,
        ClipSkip = ClipSkip,
        WebUi = WebUiSettings(),
    };

    /// <summary>The job's WebUI settings for every frame (call after <see cref="JobValidator"/> has checked the names).</summary>
    public WebUiSettings WebUiSettings() => new()
    {
        MaskBlur = MaskBlur, InpaintingFill = InpaintingFill, InpaintFullRes = InpaintFullRes, InpaintFullResPadding = InpaintFullResPadding,
        InpaintingMaskInvert = InpaintingMaskInvert, SeedResizeFromW = SeedResizeFromW, SeedResizeFromH = SeedResizeFromH,
        Scheduler = Scheduler, EtaNoiseSeedDelta = (ulong)Math.Max(0, EtaNoiseSeedDelta),
        RandnSource = Diffusion.Sampling.Noise.RandnSourceNames.Parse(RandnSource),
        SamplerOptions = new Diffusion.Sampling.SamplerOptions
        {
            Eta = Eta, SChurn = SChurn, STmin = STmin, STmax = Diffusion.Sampling.SamplerOptions.TmaxFromWebUi(STmax), SNoise = SNoise,
        },
    };
}

/// <summary>A job that cannot run; the message names the parameter, file or expression and what was expected.</summary>
public sealed class JobException(string message, Exception? inner = null) : Exception(message, inner);
