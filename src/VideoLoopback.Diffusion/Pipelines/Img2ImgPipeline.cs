using VideoLoopback.Diffusion.ControlNet;
using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Sampling.Noise;
using VideoLoopback.Diffusion.Text;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// img2img and inpainting over a <see cref="StableDiffusionModel"/>, as WebUI's StableDiffusionProcessingImg2Img:
/// uint8 → [-1,1] → VAE encode (posterior sample) · 0.18215 → seeded noise → sampler with CFG → ÷0.18215 →
/// VAE decode → clamp((x+1)/2) → uint8 by truncation (WebUI: (255·x).astype(uint8)); with a mask, the
/// mask blur, inpaint area (whole picture or only masked: see <see cref="Img2ImgInput"/>), masked content,
/// latent masks, inpainting-UNet conditioning and the final composite of the unmasked pixels. Frames whose
/// runs can share UNet batches (equal <see cref="Img2ImgBatchKey"/>s) are sampled together when
/// <see cref="ShareUnetBatches"/> is on; every per-image random draw comes from the image's own seed, so
/// the grouping changes nothing but float rounding inside the batched CPU kernels.
/// </summary>
public sealed class Img2ImgPipeline(StableDiffusionModel model)
{
    /// <summary>
    /// Resizes a uint8 mask [H,W] to [h,w] as PIL's Image.resize (bicubic) does, for the latent mask.
    /// Default: torch's antialiased bicubic, close to PIL; callers with the PIL-exact resampler pass it here.
    /// </summary>
    public Func<Tensor, int, int, Tensor> MaskResize { get; init; } = DefaultMaskResize;

    /// <summary>WebUI's images.resize_image (init and mask to the processing size, the only-masked crop and back). Default: torch bicubic.</summary>
    public WebUiImageResize ImageResize { get; init; } = TorchImageResize.Resize;

    /// <summary>WebUI's masking.fill for the masked content modes other than "original". Default: float torch version.</summary>
    public MaskedFillOperation MaskedFill { get; init; } = Pipelines.MaskedFill.Approximate;

    /// <summary>WebUI's final overlay of the original over the generated image. Default: a rounded linear blend.</summary>
    public OverlayComposite Overlay { get; init; } = InpaintMasks.CompositeUnmasked;

    /// <summary>Called after every sampler step with the batch's latents (progress, previews).</summary>
    public Action<SamplerStep>? Callback { get; init; }

    /// <summary>
    /// Sample compatible frames in one UNet batch (faster). Batched matrix kernels round differently from
    /// single ones, so a batched frame can differ from its one-at-a-time result by a least-significant bit of
    /// the float result (at most one uint8 level after quantisation); off, every frame runs alone and the
    /// output is bit-identical however frames are grouped into calls.
    /// </summary>
    public bool ShareUnetBatches { get; init; } = true;

    /// <summary>
    /// Most images one shared batch holds (before CFG doubles it): bounds the memory of the UNet and VAE passes. A frame
    /// whose own batch size is larger still runs whole.
    /// </summary>
    public int MaxSharedImages { get; init; } = 8;

    /// <summary>
    /// The folder "&lt;lora:name:…&gt;" tags and <see cref="Img2ImgParams.Loras"/> are resolved in; null = no LoRAs
    /// (a frame asking for one is refused). Unknown names are warned about by the library and skipped, as WebUI does.
    /// </summary>
    public LoraLibrary? Loras { get; init; }

    /// <summary>
    /// Generates every frame: the i-th result is uint8 [BatchSize_i,3,H_i,W_i] on the model's device, at the processing
    /// size (with "only masked", at the init image's size).
    /// </summary>
    public IReadOnlyList<Tensor> Run(IReadOnlyList<Img2ImgFrame> frames)
    {
        if (frames.Count == 0) return [];
        for (int i = 0; i < frames.Count; i++) Validate(frames[i], i);
        // Tags are stripped and LoRA files loaded for every frame before any sampling, so a bad tag or file stops the call early.
        var withLoras = frames.Select(ResolveLoras).ToList();
        // Nothing from an earlier call still uses the cached prompt encodings: bound them, so long renders do not grow.
        model.TrimPromptCaches();

        var results = new Tensor[frames.Count];
        // WebUI merges a batch's LoRAs before it encodes the prompts; frames wanting the same set run after one merge.
        foreach (var sameLoras in Enumerable.Range(0, frames.Count).GroupBy(i => LoraSetKey(withLoras[i].Set)))
        {
            model.ApplyLoras(withLoras[sameLoras.First()].Set);
            var prepared = sameLoras.Select(i => Prepare(withLoras[i].Frame, i)).ToList();
            using var inputs = Img2ImgInput.OwnerOf(prepared.Select(p => p.Input));
            foreach (var group in prepared.GroupBy(p => ShareUnetBatches ? p.Key : p.Key with { RunsAlone = p.Index }))
                foreach (var members in Chunks(group.ToList()))
                {
                    var outputs = RunGroup(members);
                    for (int i = 0; i < members.Count; i++) results[members[i].Index] = outputs[i];
                }
        }
        return results;
    }

    /// <summary>Consecutive members of a group, as many per batch as <see cref="MaxSharedImages"/> allows.</summary>
    private IEnumerable<List<Prepared>> Chunks(List<Prepared> group)
    {
        var chunk = new List<Prepared>();
        int images = 0;
        foreach (var member in group)
        {
            if (chunk.Count > 0 && images + member.Seeds.Length > MaxSharedImages)
            {
                yield return chunk;
                chunk = [];
                images = 0;
            }
            chunk.Add(member);
            images += member.Seeds.Length;
        }
        if (chunk.Count > 0) yield return chunk;
    }

    /// <summary>The frame with the LoRA tags removed from its prompt, and the LoRAs it asks for (the job's first, then the prompt's).</summary>
    private (Img2ImgFrame Frame, IReadOnlyList<LoraActivation> Set) ResolveLoras(Img2ImgFrame frame, int index)
    {
        var (text, tags) = ExtraNetworkTag.Extract(frame.Params.Prompt);
        var requested = frame.Params.Loras.Concat(LoraTag.From(tags)).ToList();
        var stripped = frame with { Params = frame.Params with { Prompt = text } };
        if (requested.Count == 0) return (stripped, []);
        if (Loras is null)
            throw new ArgumentException($"frame {index}: LoRA '{requested[0].Name}' requested but no LoRA folder is set");
        return (stripped, Loras.Resolve(requested));
    }

    /// <summary>Frames whose LoRA sets name the same files with the same multipliers run after one merge.</summary>
    private static ValueList<(string File, double TextEncoder, double Unet, int? DynamicDimension)> LoraSetKey(IReadOnlyList<LoraActivation> set) =>
        new(set.Select(a => (a.Network.FilePath, a.TextEncoderMultiplier, a.UnetMultiplier, a.DynamicDimension)));

    private void Validate(Img2ImgFrame frame, int index)
    {
        string where = $"frame {index}";
        try { frame.Params.Validate(); }
        catch (ArgumentException e) { throw new ArgumentException($"{where}: {e.Message}", e); }
        var init = frame.Init;
        if (init.dtype != ScalarType.Byte || init.dim() != 3 || init.shape[0] != 3)
            throw new ArgumentException($"{where}: init image must be uint8 RGB [3,H,W], got {init.dtype} [{string.Join(",", init.shape)}]");
        var (width, height) = ProcessingSize(frame);
        if (width % 8 != 0 || height % 8 != 0 || width < 8 || height < 8)
            throw new ArgumentException($"{where}: processing size {width}x{height} must be a positive multiple of 8 in both directions");
        if (frame.Mask is { } mask)
        {
            var m = mask.dim() == 3 && mask.shape[0] == 1 ? mask[0] : mask;
            if (mask.dtype != ScalarType.Byte || m.dim() != 2 || m.shape[0] != init.shape[1] || m.shape[1] != init.shape[2])
                throw new ArgumentException($"{where}: mask must be uint8 [H,W] of the image size {init.shape[2]}x{init.shape[1]}, got {mask.dtype} [{string.Join(",", mask.shape)}]");
        }
        foreach (var (unit, k) in (frame.Controls ?? []).Select((u, k) => (u, k)))
        {
            var hint = unit.Hint;
            if (hint.dim() != 4 || hint.shape[0] != 1 || hint.shape[1] != 3 || hint.shape[2] != height || hint.shape[3] != width)
                throw new ArgumentException($"{where}: ControlNet {k + 1}: control image must be [1,3,{height},{width}] (the processing size), got [{string.Join(",", hint.shape)}]");
            if (!double.IsFinite(unit.Weight))
                throw new ArgumentOutOfRangeException(nameof(ControlNetUnit.Weight), unit.Weight, $"{where}: ControlNet {k + 1}: weight must be a finite number");
            if (!GuidanceWindow.IsValidRange(unit.GuidanceStart, unit.GuidanceEnd))
                throw new ArgumentOutOfRangeException(nameof(ControlNetUnit.GuidanceStart), $"{where}: ControlNet {k + 1}: guidance start {unit.GuidanceStart} / end {unit.GuidanceEnd} must satisfy {GuidanceWindow.RangeRule}");
            if (unit.Model.Config.InChannels != model.Unet.Config.InChannels || unit.Model.Config.ContextDim != model.Unet.Config.ContextDim)
                throw new ArgumentException($"{where}: ControlNet {k + 1} takes {unit.Model.Config.InChannels} input channels and context {unit.Model.Config.ContextDim}, the UNet {model.Unet.Config.InChannels} and {model.Unet.Config.ContextDim}");
        }
        if (frame.Params.ClipSkip > model.TextModel.Config.LayerCount)
            throw new ArgumentOutOfRangeException(nameof(Img2ImgParams.ClipSkip), frame.Params.ClipSkip, $"{where}: clip skip must not exceed the text model's {model.TextModel.Config.LayerCount} layers");
    }

    private static (int Width, int Height) ProcessingSize(Img2ImgFrame frame) =>
        (frame.Params.Width ?? (int)frame.Init.shape[2], frame.Params.Height ?? (int)frame.Init.shape[1]);

    private sealed record Prepared(int Index, Img2ImgFrame Frame, ulong[] Seeds, ulong[] Subseeds, Img2ImgInput Input,
        MultiCondConditioning Positive, IReadOnlyList<PromptSchedule> Negative, Img2ImgBatchKey Key);

    private Prepared Prepare(Img2ImgFrame frame, int index)
    {
        var p = frame.Params;
        var (seeds, subseeds) = BatchSeeds.For(p.Seed, p.Subseed, p.SubseedStrength, p.BatchSize);
        var conditioner = model.Conditioner(p.ClipSkip);
        var prompts = Enumerable.Repeat(p.Prompt, p.BatchSize).ToList();
        var negatives = Enumerable.Repeat(p.NegativePrompt, p.BatchSize).ToList();
        // Encoded once per distinct prompt (the conditioner caches); grouping frames reuses these encodings.
        var positive = model.TimedText(() => conditioner.GetMultiCondLearnedConditioning(prompts, p.Steps));
        var negative = model.TimedText(() => conditioner.GetLearnedConditioning(negatives, p.Steps, negative: true));
        var (width, height) = ProcessingSize(frame);
        Img2ImgInput input;
        using (NewDisposeScope())
        {
            Tensor? blurred = null;
            if (frame.Mask is { } mask)
            {
                var m = mask.dim() == 3 ? mask[0] : mask;
                blurred = InpaintMasks.Prepare(m.to(model.Device), p.Inpaint.MaskMode, p.Inpaint.MaskBlurX, p.Inpaint.MaskBlurY);
            }
            input = Img2ImgInput.Build(frame.Init.to(model.Device), blurred, p.Inpaint, width, height, p.ResizeMode, ImageResize, MaskedFill);
            // The input owns its tensors (freed when Run returns); they must outlive this scope.
            foreach (var t in new[] { input.Pixels, input.Mask, input.OverlayMask, input.Original }) t?.MoveToOuterDisposeScope();
        }
        return new Prepared(index, frame, seeds, subseeds, input, positive, negative,
            Img2ImgBatchKey.For(frame, input, width, height, positive, negative));
    }

    /// <summary>The group's ControlNet units with each image's hint as one row ([B,3,H,W]), or null without ControlNets.</summary>
    private ControlGuidance? ControlFor(List<Prepared> members, int samplingSteps)
    {
        var units = members[0].Frame.Controls;
        if (units is null || units.Count == 0) return null;
        var stacked = units.Select((unit, k) => unit with
        {
            Hint = cat(members.Select(m => m.Frame.Controls![k].Hint.to(model.Device).expand(m.Seeds.Length, -1, -1, -1)).ToList()),
        }).ToList();
        return new ControlGuidance(stacked, samplingSteps);
    }

    private List<Tensor> RunGroup(List<Prepared> members)
    {
        using var scope = NewDisposeScope();
        var first = members[0].Frame;
        var p = first.Params;
        var (sampler, scheduler) = p.ResolveSampler();
        var (width, height) = ProcessingSize(first);
        int h = height / 8, w = width / 8;
        var device = model.Device;
        bool inpaint = members[0].Input.Mask is not null;

        var seeds = members.SelectMany(m => m.Seeds).ToArray();
        var subseeds = members.SelectMany(m => m.Subseeds).ToArray();
        // [B,3,H,W] uint8: each frame's init repeated for its batch (WebUI repeats the single init image).
        var initPixels = cat(members.Select(m => m.Input.Pixels.unsqueeze(0).expand(m.Seeds.Length, -1, -1, -1)).ToList());
        var source = initPixels.to(ScalarType.Float32) / 255 * 2 - 1;
        var initLatent = model.EncodeImages(source, seeds);

        Tensor? keep = null, imageConditioning = null;
        if (inpaint)
        {
            var keepRows = new List<Tensor>();
            var repaintRows = new List<Tensor>();
            foreach (var m in members)
            {
                var latentMask = MaskResize(m.Input.Mask!, w, h).to(device);
                var (k, r) = InpaintMasks.LatentMasks(latentMask, p.Inpaint.RoundMask);
                for (int i = 0; i < m.Seeds.Length; i++) { keepRows.Add(k); repaintRows.Add(r); }
            }
            keep = cat(keepRows);
            var repaint = cat(repaintRows);
            Tensor? latentNoise = null;
            if (p.Inpaint.MaskedContent == MaskedContent.LatentNoise)
            {
                // WebUI: create_random_tensors(shape, all_seeds) — the seeds alone, no variation.
                using var fresh = new ImageNoise([4, h, w], seeds, p.RandnSource, device);
                latentNoise = fresh.Next();
            }
            initLatent = InpaintMasks.InitialLatent(p.Inpaint.MaskedContent, initLatent, keep, repaint, latentNoise);
        }
        if (model.IsInpainting) imageConditioning = InpaintingConditioning(members, source, seeds, h, w, p.Inpaint);

        // SDXL: WebUI conditions on the processing size as both original and target size.
        using var vectors = model.VectorConditioningFor(width, height);
        using var rng = new ImageNoise([4, h, w], seeds, p.RandnSource, device, subseeds, p.SubseedStrength,
            p.SeedResizeFromHeight, p.SeedResizeFromWidth, p.EtaNoiseSeedDelta);
        var positive = new MultiCondConditioning(members.SelectMany(m => m.Positive.Batch).ToList());
        var negative = members.SelectMany(m => m.Negative).ToList();
        // WebUI announces t_enc + 1 sampling steps for img2img; the guidance window is a fraction of those.
        var control = ControlFor(members, Img2ImgSteps.TEncFor(p.Steps, p.Denoising) + 1);
        var run = new LatentImg2Img
        {
            EpsModel = (x, t, rows) => model.Eps(x, t, rows, control),
            Prediction = model.Prediction,
            // WebUI's state.sampling_step becomes i in the callback after step i, so step i+1's model calls see i.
            Callback = control is null ? Callback : step =>
            {
                control.SamplerStep = step.Index + 1;
                Callback?.Invoke(step);
            },
            Sampler = sampler,
            Scheduler = scheduler,
            Steps = p.Steps,
            Denoising = p.Denoising,
            CfgScale = p.CfgScale,
            Conditioning = PromptGuidance.From(positive, negative, vectors),
            ImageConditioning = imageConditioning,
            KeepMask = keep,
            BrownianSeeds = seeds, // SDE samplers: one Brownian tree per image seed, as WebUI's p.all_seeds
            Options = p.SamplerOptions,
        };
        var samples = run.Run(initLatent, rng);
        var decoded = model.DecodeLatents(samples);
        var pixels = (decoded * 255).floor().to(ScalarType.Byte); // astype(uint8) truncates; values lie in [0,255]

        var outputs = new List<Tensor>(members.Count);
        long offset = 0;
        foreach (var m in members)
        {
            var images = pixels.narrow(0, offset, m.Seeds.Length);
            offset += m.Seeds.Length;
            if (inpaint)
                images = stack(Enumerable.Range(0, m.Seeds.Length).Select(i => m.Input.Compose(images[i], ImageResize, Overlay)).ToList());
            outputs.Add(images.contiguous().MoveToOuterDisposeScope());
        }
        return outputs;
    }

    /// <summary>
    /// WebUI's inpainting_image_conditioning: the mask (blurred, /255, rounded when mask_round; all ones without
    /// a mask) [1,1,H,W]; the masked image lerp(src, src·(1−mask), inpainting_mask_weight) encoded to a latent;
    /// the mask resized (nearest) to the latent size; result cat([mask, latent]) [B,5,h,w].
    /// </summary>
    private Tensor InpaintingConditioning(List<Prepared> members, Tensor source, ulong[] seeds, int h, int w, InpaintSettings settings)
    {
        using var scope = NewDisposeScope();
        var masks = new List<Tensor>();
        foreach (var m in members)
        {
            var mask = m.Input.Mask is { } b
                ? b.to(ScalarType.Float32) / 255
                : ones(source.shape[2], source.shape[3], device: model.Device);
            if (m.Input.Mask is not null && settings.RoundMask) mask = mask.round();
            for (int i = 0; i < m.Seeds.Length; i++) masks.Add(mask.unsqueeze(0).unsqueeze(0));
        }
        var pixelMask = cat(masks);                                                       // [B,1,H,W]
        var masked = source.lerp(source * (1 - pixelMask), settings.InpaintingMaskWeight);
        var latent = model.EncodeImages(masked, seeds);
        var latentMask = nn.functional.interpolate(pixelMask, [h, w], mode: InterpolationMode.Nearest);
        return cat([latentMask, latent], 1).MoveToOuterDisposeScope();
    }

    private static Tensor DefaultMaskResize(Tensor mask, int width, int height)
    {
        using var scope = NewDisposeScope();
        var x = mask.to(ScalarType.Float32).unsqueeze(0).unsqueeze(0);
        var resized = nn.functional.interpolate(x, [height, width], mode: InterpolationMode.Bicubic, align_corners: false, antialias: true);
        return resized[0, 0].round().clamp(0, 255).to(ScalarType.Byte).MoveToOuterDisposeScope();
    }
}
