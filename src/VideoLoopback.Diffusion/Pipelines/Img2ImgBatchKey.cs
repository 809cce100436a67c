using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Sampling.Noise;
using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// Everything frames must have in common to be sampled in one UNet batch by <see cref="Img2ImgPipeline"/>: equal keys
/// share a batch. The sampling settings; the conditioning lengths (stacking pads conditionings of different lengths,
/// which would change a frame's result next to a longer prompt); with a mask, the inpaint settings and, when only the
/// masked area is generated, one crop geometry per batch (as WebUI's one paste_to per processing call); the ControlNet
/// units. <see cref="RunsAlone"/> holds the frame's index when batches are not shared, so no two frames match.
/// </summary>
public readonly record struct Img2ImgBatchKey(
    int Steps, string Sampler, string Scheduler, double Denoising, double CfgScale, double SubseedStrength, RandnSource RandnSource,
    ulong EtaNoiseSeedDelta, int SeedResizeFromWidth, int SeedResizeFromHeight, int Width, int Height, int ClipSkip,
    ValueList<long> PositiveLengths, ValueList<long> NegativeLengths,
    InpaintSettings? Inpaint, OnlyMaskedCrop? Crop, long CropSourceWidth, long CropSourceHeight,
    ValueList<ControlBatchKey> Controls, SamplerOptions? SamplerOptions = null, int? RunsAlone = null)
{
    /// <summary>The key of a prepared frame: its settings, its input (mask and crop) and its encoded prompts.</summary>
    internal static Img2ImgBatchKey For(Img2ImgFrame frame, Img2ImgInput input, int width, int height,
        MultiCondConditioning positive, IReadOnlyList<PromptSchedule> negative)
    {
        var p = frame.Params;
        var (sampler, scheduler) = p.ResolveSampler();
        bool inpaint = input.Mask is not null;
        var crop = inpaint ? input.Crop : null;
        return new Img2ImgBatchKey(p.Steps, sampler.Name, scheduler.Name, p.Denoising, p.CfgScale, p.SubseedStrength, p.RandnSource,
            p.EtaNoiseSeedDelta, p.SeedResizeFromWidth, p.SeedResizeFromHeight, width, height, p.ClipSkip,
            new(positive.Batch[0].SelectMany(part => part.Schedule.Entries.Select(e => e.Cond.shape[^2]))),
            new(negative[0].Entries.Select(e => e.Cond.shape[^2])),
            inpaint ? p.Inpaint : null, crop, crop is null ? 0 : frame.Init.shape[2], crop is null ? 0 : frame.Init.shape[1],
            ControlBatchKey.Of(frame.Controls), p.SamplerOptions);
    }
}
