namespace VideoLoopback.Video.Generation;

/// <summary>
/// The img2img settings of one frame, as WebUI's processing object holds them at call time
/// (after schedules and seed progression). Numbers keep the value a schedule produced: a schedule may
/// give <c>cfg_scale</c> 7 or 7.0, both are 7 here.
/// </summary>
public sealed record FrameGenerationParams
{
    public required string Prompt { get; init; }
    public required string NegativePrompt { get; init; }
    /// <summary>WebUI's <c>p.seed</c>; image k of the frame uses <c>Seed + k</c> when <see cref="SubseedStrength"/> is 0, else <c>Seed</c>.</summary>
    public required long Seed { get; init; }
    /// <summary>WebUI's <c>p.subseed</c>; image k uses <c>Subseed + k</c>.</summary>
    public required long Subseed { get; init; }
    public required double SubseedStrength { get; init; }
    public required double CfgScale { get; init; }
    public required int Steps { get; init; }
    public required double DenoisingStrength { get; init; }
    /// <summary>Images per sampler batch (<c>p.batch_size</c>).</summary>
    public required int BatchSize { get; init; }
    /// <summary>Number of sampler batches (<c>p.n_iter</c>, the UI's batch count).</summary>
    public required int BatchCount { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    /// <summary>WebUI resize mode (0 just resize, 1 crop and resize, 2 resize and fill, 3 latent upscale).</summary>
    public required int ResizeMode { get; init; }
    public required string SamplerName { get; init; }
    /// <summary>CLIP layers to skip from the end (WebUI's CLIP_stop_at_last_layers, 1 = none).</summary>
    public int ClipSkip { get; init; } = 1;
    /// <summary>The job's inpainting, seed-resize, schedule-type, sampler-noise and RNG settings (the same for every frame).</summary>
    public WebUiSettings WebUi { get; init; } = WebUiSettings.Default;

    /// <summary>How many images the generator returns for this frame: <c>n_iter * batch_size</c>.</summary>
    public int ImageCount => BatchCount * BatchSize;
}
