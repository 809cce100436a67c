using System.Security.Cryptography;
using VideoLoopback.Diffusion.ControlNet;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Generation;

/// <summary>
/// The loopback engine's Stable Diffusion generator: every frame of a request becomes WebUI img2img (or
/// inpainting when the frame has a mask) with the frame's prompt, seeds, CFG, steps, denoising, sampler,
/// clip skip and batch size × batch count, and the job's <see cref="WebUiSettings"/> (mask blur, masked content, inpaint
/// area, schedule type, eta and churn, seed resize, ENSD, RNG source; by default WebUI's img2img values, which the original
/// extension leaves as the UI has them). ControlNet units take the
/// frame's control images (reference frames, or the input frame); LoRAs come from the job and the prompts' tags.
/// Frames of a request whose settings allow it share UNet batches (each frame's batch_size images stay together, as
/// WebUI); a shared batch can round a frame's result one uint8 level away from running it alone, so the engine keeps
/// its grouping fixed (batches aligned to the generator batch size) to make resumed runs equal uninterrupted ones.
/// </summary>
public sealed class StableDiffusionFrameGenerator : IFrameGenerator, IDisposable
{
    private readonly StableDiffusionModel _model;
    private readonly GeneratorAdapters _adapters;
    private readonly Img2ImgPipeline _pipeline;
    private readonly Lazy<string> _hash;

    /// <param name="model">The checkpoint; the generator owns it.</param>
    /// <param name="adapters">ControlNets and LoRAs for every frame; the generator owns them. Null = none.</param>
    /// <param name="onSamplerStep">Called after every sampler step with the batch's latents (e.g. <see cref="LatentPreview.OnStep"/>).</param>
    public StableDiffusionFrameGenerator(StableDiffusionModel model, GeneratorAdapters? adapters = null,
        Action<Diffusion.Sampling.SamplerStep>? onSamplerStep = null)
    {
        _model = model;
        _adapters = adapters ?? GeneratorAdapters.None;
        // WebUI's PIL image operations, bit-exact; compatible frames share UNet batches (the pipeline's default).
        _pipeline = WebUiImg2Img.Pipeline(model, _adapters.Loras, onSamplerStep);
        ModelName = WebUiImg2Img.ModelName(model);
        _hash = new Lazy<string>(() => ShortHash(model.CheckpointPath));
    }

    /// <summary>The checkpoint file name without extension, as WebUI's model_name.</summary>
    public string ModelName { get; }

    /// <summary>WebUI's short hash: the first 10 hex digits of the file's SHA-256 (computed once, on first use).</summary>
    public string ModelHash => _hash.Value;

    public StableDiffusionModel Model => _model;

    public IReadOnlyList<Tensor> Generate(GenerationRequest request, CancellationToken cancellation = default)
    {
        var frames = new List<List<Img2ImgFrame>>(request.Count);
        using var scope = NewDisposeScope();
        // Build and validate every frame's runs before generating any.
        for (int i = 0; i < request.Count; i++) frames.Add(RunsOf(request, i));
        var validated = frames.SelectMany(f => f).ToList();
        if (validated.Count == 0) return [];

        cancellation.ThrowIfCancellationRequested();
        // One pipeline call: runs of different frames with compatible settings share UNet batches.
        var images = _pipeline.Run(validated);
        var results = new List<Tensor>(request.Count);
        int next = 0;
        foreach (var runs in frames)
        {
            results.Add(cat(images.Skip(next).Take(runs.Count).ToList()).to(request.InitImages.device).MoveToOuterDisposeScope());
            next += runs.Count;
        }
        return results;
    }

    /// <summary>
    /// One pipeline run per batch of the frame (WebUI's n_iter loop): batch n starts at image n·batch_size, so
    /// image k gets seed Seed + k (Seed with a variation strength) and subseed Subseed + k.
    /// </summary>
    private List<Img2ImgFrame> RunsOf(GenerationRequest request, int index)
    {
        var p = request.Frames[index];
        if (p.BatchSize < 1 || p.BatchCount < 1)
            throw new ArgumentOutOfRangeException(nameof(p.BatchSize), $"frame {index}: batch size and batch count must be ≥ 1 (got {p.BatchSize}, {p.BatchCount})");
        var init = ToRgb(request.InitImages[index]);
        if (init.shape[1] != p.Height || init.shape[2] != p.Width)
            init = WebUiResize.Resize(init.unsqueeze(0), (WebUiResizeMode)p.ResizeMode, p.Width, p.Height)[0];
        Tensor? mask = null;
        if (request.Masks[index] is { } m)
        {
            mask = m.dim() == 3 ? m[0] : m;
            if (mask.shape[0] != p.Height || mask.shape[1] != p.Width)
                mask = WebUiResize.Resize(mask.unsqueeze(0).unsqueeze(0), (WebUiResizeMode)p.ResizeMode, p.Width, p.Height)[0, 0];
        }
        var controls = ControlUnits(request, index, p);
        var runs = new List<Img2ImgFrame>(p.BatchCount);
        for (int n = 0; n < p.BatchCount; n++)
        {
            long offset = (long)n * p.BatchSize;
            var settings = p.WebUi.ApplyTo(new Img2ImgParams
            {
                Prompt = p.Prompt, NegativePrompt = p.NegativePrompt,
                Seed = unchecked((ulong)(p.SubseedStrength == 0 ? p.Seed + offset : p.Seed)),
                Subseed = unchecked((ulong)(p.Subseed + offset)), SubseedStrength = p.SubseedStrength,
                CfgScale = p.CfgScale, Steps = p.Steps, Denoising = p.DenoisingStrength, Sampler = p.SamplerName,
                ClipSkip = p.ClipSkip, BatchSize = p.BatchSize, Loras = _adapters.JobLoras,
            });
            runs.Add(new Img2ImgFrame(init, settings, mask, controls));
        }
        return runs;
    }

    /// <summary>
    /// Unit k gets the frame's k-th control image, through the unit's preprocessor and fitted to the generation size as
    /// sd-webui-controlnet does.
    /// </summary>
    private List<ControlNetUnit>? ControlUnits(GenerationRequest request, int index, FrameGenerationParams p)
    {
        if (_adapters.ControlNets.Count == 0) return null;
        var images = request.ControlImages[index];
        if (images.Count < _adapters.ControlNets.Count)
            throw new ArgumentException($"frame {index}: {_adapters.ControlNets.Count} ControlNet unit(s) but {images.Count} control image(s)");
        return _adapters.ControlNets.Select((c, k) => new ControlNetUnit(c.Model,
            HintImage.ToControl(c.ControlMap(images[k], p), p.Height, p.Width, c.Resize, _model.Device), c.Weight, c.GuidanceStart, c.GuidanceEnd, c.Mode)).ToList();
    }

    /// <summary>RGB [3,H,W]; RGBA is flattened onto white, as WebUI's images.flatten with the default background.</summary>
    private static Tensor ToRgb(Tensor image)
    {
        if (image.shape[0] == 3) return image;
        if (image.shape[0] != 4) throw new ArgumentException($"init image must be RGB or RGBA, got {image.shape[0]} channels");
        return ImageConvert.FlattenOntoWhite(image);
    }

    private static string ShortHash(string path)
    {
        if (!File.Exists(path)) return "0000000000"; // a model built in memory (benchmarks) has no file to hash
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream))[..10];
    }

    public void Dispose()
    {
        _model.Dispose();
        _adapters.Dispose();
    }
}
