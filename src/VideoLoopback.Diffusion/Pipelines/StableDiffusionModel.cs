using TorchSharp;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Diffusion.Unet;
using VideoLoopback.Diffusion.Vae;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>How to load a <see cref="StableDiffusionModel"/>.</summary>
public sealed record StableDiffusionLoadOptions
{
    /// <summary>Device and compute dtype of the networks (fp16 weights are converted on load).</summary>
    public ModuleDevice Compute { get; init; } = ModuleDevice.Cpu;

    /// <summary>A standalone VAE that replaces the checkpoint's own, or null.</summary>
    public string? VaePath { get; init; }

    /// <summary>UNet attention heads (SD1.x: 8).</summary>
    public int UnetHeads { get; init; } = UnetConfig.Sd1NumHeads;

    /// <summary>CLIP attention heads; null = the text model's default detection (CLIP-L: 12).</summary>
    public int? ClipHeads { get; init; }

    /// <summary>OpenCLIP text attention heads (SD2.x's ViT-H, SDXL's bigG); null = the released towers' 64-wide heads.</summary>
    public int? OpenClipHeads { get; init; }

    /// <summary>UNet head width overriding the family's (SD2.x: 64); null = the family's, or <see cref="UnetHeads"/> heads.</summary>
    public long? UnetHeadChannels { get; init; }

    /// <summary>What the UNet predicts; null = the family's, for SD2.x decided by WebUI's test run (<see cref="VPredictionProbe"/>).</summary>
    public ModelPrediction? Prediction { get; init; }

    /// <summary>
    /// Options for <paramref name="checkpointPath"/>: head counts come from a <c>NAME.config.json</c> beside
    /// <c>NAME.safetensors</c> (keys <c>unet_num_heads</c>, <c>clip_heads</c>) when there is one — small
    /// research models whose widths do not follow the 64-wide-head rule ship one — else the SD1.x values. An SD2.x
    /// sidecar's <c>clip_heads</c> are its OpenCLIP tower's; an SDXL sidecar gives bigG's as <c>openclip_heads</c>.
    /// </summary>
    public static StableDiffusionLoadOptions ForCheckpoint(string checkpointPath, ModuleDevice compute)
    {
        var options = new StableDiffusionLoadOptions { Compute = compute };
        var sidecar = Path.ChangeExtension(checkpointPath, null) + ".config.json";
        if (!File.Exists(sidecar)) return options;
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(sidecar));
            var root = json.RootElement;
            return options with
            {
                UnetHeads = root.TryGetProperty("unet_num_heads", out var u) ? u.GetInt32() : options.UnetHeads,
                ClipHeads = root.TryGetProperty("clip_heads", out var c) ? c.GetInt32() : options.ClipHeads,
                OpenClipHeads = root.TryGetProperty("openclip_heads", out var o) ? o.GetInt32() : options.OpenClipHeads,
                UnetHeadChannels = root.TryGetProperty("unet_num_head_channels", out var hc) ? hc.GetInt64() : options.UnetHeadChannels,
                Prediction = root.TryGetProperty("prediction", out var p) ? ModelPredictionNames.Parse(p.GetString() ?? "") : options.Prediction,
            };
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{sidecar}: unreadable model config ({e.Message})", e);
        }
    }
}

/// <summary>
/// An SD1.x or SD2.x checkpoint loaded once: UNet, VAE (or a standalone override) and the text model with one
/// prompt conditioner (and its encoding cache) per clip-skip value. Time and FLOPs spent in the network forwards are
/// accumulated in <see cref="Forwards"/> so callers can report what lies outside them.
/// </summary>
public sealed class StableDiffusionModel : IDisposable
{
    private readonly Dictionary<int, PromptConditioner> _conditioners = new();
    private LoraMerger? _loras;
    private TextualInversionLibrary? _embeddings;

    private StableDiffusionModel(string checkpointPath, CheckpointInfo? info, UnetModel unet, AutoencoderKL vae, IReadOnlyList<ClipTextModel> text,
        ModuleDevice compute, ModelFamily? family = null, ModelPrediction prediction = ModelPrediction.Epsilon) =>
        (CheckpointPath, Info, Unet, Vae, TextModels, Compute, Family, Prediction) =
        (checkpointPath, info, unet, vae, text, compute, family ?? CheckpointFamilies.StableDiffusion1, prediction);

    /// <summary>The model family (SD1.x for models built from networks).</summary>
    public ModelFamily Family { get; }

    /// <summary>What the UNet predicts (eps or v), as given or decided at load.</summary>
    public ModelPrediction Prediction { get; }

    public string CheckpointPath { get; }
    /// <summary>What the checkpoint inspection found; null for a model built from networks.</summary>
    public CheckpointInfo? Info { get; }
    public UnetModel Unet { get; }
    public AutoencoderKL Vae { get; private set; }
    /// <summary>The text encoders, in the family's order (SD1.x/SD2.x: one; SDXL: CLIP-L, then OpenCLIP bigG).</summary>
    public IReadOnlyList<ClipTextModel> TextModels { get; }

    /// <summary>The first (for SD1.x/SD2.x the only) text encoder.</summary>
    public ClipTextModel TextModel => TextModels[0];

    /// <summary>LDM's scale_factor between VAE latents and the UNet's latents (SD1.x/SD2.x 0.18215, SDXL 0.13025).</summary>
    public double LatentScale => Family.LatentScale;
    public ModuleDevice Compute { get; }
    public Device Device => Compute.Device;

    /// <summary>
    /// The UNet's vector conditioning for a <paramref name="width"/> × <paramref name="height"/> generation (SDXL: the last
    /// text encoder's pooled output and the family's embedded values: sizes, for the refiner an aesthetic score), or null for UNets without one. The caller disposes it.
    /// </summary>
    public VectorConditioning? VectorConditioningFor(int width, int height)
    {
        long vectorWidth = Unet.Config.AdmInChannels;
        if (vectorWidth == 0) return null;
        int pooled = TextModels[^1].Config.ProjectionSize
            ?? throw new InvalidOperationException($"{CheckpointPath}: the UNet takes a vector but no text encoder has a pooled output");
        var size = SizeConditioning.ForGeneration(width, height);
        return new VectorConditioning(Family.VectorValues(size, false), Family.VectorValues(size, true), vectorWidth, pooled, Device);
    }

    /// <summary>A 9-channel UNet (masked-image latent + mask concatenated to the input).</summary>
    public bool IsInpainting => Unet.Config.InChannels == 9;

    /// <summary>Wall time spent inside UNet, VAE and CLIP forwards since load.</summary>
    public TimeSpan ForwardTime => Forwards.TotalTime;

    /// <summary>Time and FLOPs of the UNet, VAE and CLIP forwards since load, per network.</summary>
    public NetworkForwards Forwards { get; } = new();

    /// <summary>
    /// Checks the file is a checkpoint of a supported family (SD1.x, SD2.x), then loads its networks onto the compute device.
    /// An SD2.x model without a given prediction runs WebUI's one-forward test to tell v from eps.
    /// </summary>
    public static StableDiffusionModel Load(string checkpointPath, StableDiffusionLoadOptions? options = null)
    {
        options ??= new StableDiffusionLoadOptions();
        if (!File.Exists(checkpointPath)) throw new FileNotFoundException($"{checkpointPath}: checkpoint not found", checkpointPath);
        using var file = StateDictFile.Open(checkpointPath);
        var info = CheckpointInspector.Inspect(file);
        info.EnsureFamily(CheckpointFamilies.Supported.SelectMany(f => f.CheckpointFamilies).ToArray());
        if (options.VaePath is { } vaePath)
        {
            using var vaeFile = StateDictFile.Open(vaePath);
            CheckpointInspector.Inspect(vaeFile).EnsureFamily(CheckpointFamily.Vae);
        }
        UnetModel? unet = null;
        AutoencoderKL? vae = null;
        IReadOnlyList<ClipTextModel>? text = null;
        try
        {
            var family = StableDiffusionWeights.SupportedFamily(file.Shapes(), file.Path);
            unet = StableDiffusionWeights.LoadUnet(file, options.Compute, options.UnetHeads, options.UnetHeadChannels);
            if (options.VaePath is { } path)
            {
                using var vaeFile = StateDictFile.Open(path);
                vae = StableDiffusionWeights.LoadVae(vaeFile, options.Compute);
            }
            else vae = StableDiffusionWeights.LoadVae(file, options.Compute);
            text = (family.LoadTextEncoders ?? throw new NotSupportedException($"{checkpointPath}: no loadable text encoder"))(
                file, options.Compute, options.ClipHeads, options.OpenClipHeads);
            var prediction = options.Prediction ?? (family.Prediction == NoisePrediction.EpsilonOrV ? VPredictionProbe.Decide(unet) : ModelPrediction.Epsilon);
            return new StableDiffusionModel(checkpointPath, info, unet, vae, text, options.Compute, family, prediction);
        }
        catch
        {
            unet?.Dispose();
            vae?.Dispose();
            foreach (var t in text ?? []) t.Dispose();
            throw;
        }
    }

    /// <summary>A model over networks built elsewhere (benchmarks with random weights); it owns and disposes them.</summary>
    public static StableDiffusionModel FromNetworks(string name, UnetModel unet, AutoencoderKL vae, ClipTextModel text, ModuleDevice compute) =>
        new(name, null, unet, vae, [text], compute);

    /// <summary>
    /// The prompt conditioner for a clip-skip value (created once; its cache lives as long as the model). Families that
    /// always read one text layer (SD2.x and SDXL: the penultimate) ignore the value, as WebUI does.
    /// </summary>
    public PromptConditioner Conditioner(int clipSkip)
    {
        clipSkip = Family.TextClipSkip ?? clipSkip;
        if (!_conditioners.TryGetValue(clipSkip, out var conditioner))
        {
            conditioner = Family.CreateConditioner is { } create
                ? create(TextModels, clipSkip, _embeddings)
                : new PromptConditioner(TextModel, Family.Tokenizer(), clipSkip, embeddings: _embeddings, padId: Family.TextPadId);
            _conditioners[clipSkip] = conditioner;
        }
        return conditioner;
    }

    /// <summary>
    /// The textual-inversion embeddings prompts may name (null = none); the model owns and disposes them. Setting it drops
    /// the prompt conditioners, whose encodings depend on it.
    /// </summary>
    public TextualInversionLibrary? Embeddings
    {
        get => _embeddings;
        set
        {
            foreach (var c in _conditioners.Values) c.Dispose();
            _conditioners.Clear();
            if (!ReferenceEquals(_embeddings, value)) _embeddings?.Dispose();
            _embeddings = value;
        }
    }

    /// <summary>
    /// The textual-inversion embeddings in <paramref name="folder"/> as this model's text encoders take them (SDXL: each
    /// tower its clip_l or clip_g part); files are read when a prompt first names them.
    /// </summary>
    public TextualInversionLibrary EmbeddingsFrom(string folder) =>
        Family.EmbeddingParts is { } parts
            ? new TextualInversionLibrary(folder, Family.Tokenizer(), parts(TextModels))
            : new TextualInversionLibrary(folder, Family.Tokenizer(), TextModel.Config.HiddenSize);

    /// <summary>Prompt encodings kept per clip-skip value between generations (a few hundred prompts, tens of MB).</summary>
    public int PromptCacheSize { get; set; } = 256;

    /// <summary>Frees the least recently used prompt encodings beyond <see cref="PromptCacheSize"/>; only between generations.</summary>
    public void TrimPromptCaches()
    {
        foreach (var conditioner in _conditioners.Values) conditioner.TrimCache(PromptCacheSize);
    }

    /// <summary>
    /// Runs <paramref name="work"/>, which may encode text with the CLIP model, counting its time as CLIP forward time and
    /// the sequences it encodes (cache hits encode none) as CLIP FLOPs.
    /// </summary>
    public T TimedText<T>(Func<T> work)
    {
        var before = TextModels.Select(t => t.SequenceLayersRun).ToArray();
        var result = Forwards.Run(ModelNetwork.Clip, work);
        foreach (var (text, i) in TextModels.Select((t, i) => (t, i)))
            Forwards.AddFlops(ModelNetwork.Clip, NetworkFlops.ClipText(text.Config, text.SequenceLayersRun - before[i], text.Config.MaxPositions, 1));
        return result;
    }

    /// <summary>
    /// eps(x [N,4,h,w], t [N], the rows' text [N,T,D] and image conditioning [N,5,h,w] or null): inpainting UNets get the
    /// image conditioning concatenated to the input (LDM c_concat); other UNets ignore it, as WebUI's zeros. With
    /// <paramref name="control"/>, the ControlNets see the UNet's input and their summed residuals are added to it.
    /// </summary>
    public Tensor Eps(Tensor x, Tensor t, ModelConditioning rows, ControlGuidance? control = null)
    {
        using var scope = NewDisposeScope();
        var input = IsInpainting
            ? cat([x, (rows.Image ?? throw new ArgumentException("an inpainting UNet needs image conditioning")).to(x.dtype)], 1)
            : x;
        Tensor Forward() => Unet.Forward(input, t, rows.Text, control?.Residuals(input, t, rows), rows.Vector);
        var eps = Forwards.Run(ModelNetwork.Unet, Forward);
        // ControlNet forwards count in the UNet's time, not in its FLOPs.
        Forwards.AddFlops(ModelNetwork.Unet, NetworkFlops.Unet(Unet.Config, x.shape[0], x.shape[2], x.shape[3], rows.Text.shape[1]));
        return eps.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Makes <paramref name="set"/> the LoRAs merged into the UNet and text encoder (nothing happens when it is already
    /// merged). A change also empties the prompt-encoding caches, whose encodings came from the previous text-encoder weights.
    /// </summary>
    public void ApplyLoras(IReadOnlyList<LoraActivation> set)
    {
        if (_loras is null && set.Count == 0) return;
        var before = Loras.Active;
        Loras.Apply(set);
        if (ReferenceEquals(before, Loras.Active)) return;
        foreach (var conditioner in _conditioners.Values) conditioner.ClearCache();
    }

    /// <summary>Throws naming the file when <paramref name="network"/>'s modules do not fit this model's weights.</summary>
    public void CheckLoraFits(LoraNetwork network)
    {
        Loras.CheckMatches(network);
    }

    /// <summary>The merger over this model's weights, made when a LoRA is first asked for.</summary>
    private LoraMerger Loras => _loras ??= new LoraMerger(Unet, Family.LoraTextTowers(TextModels));

    /// <summary>The LoRAs merged now, in merge order.</summary>
    public IReadOnlyList<LoraActivation> ActiveLoras => _loras?.Active ?? [];

    /// <summary>
    /// Images in [-1,1] [B,3,H,W] -> scaled latents [B,4,H/8,W/8] float32. WebUI's
    /// get_first_stage_encoding samples the posterior (mean + std·randn); WebUI draws that randn from the
    /// global torch RNG, whose state no setting pins, so here each image draws it from a CPU generator
    /// seeded with its own seed: deterministic and independent of batching. (The SD VAE's std is tiny.)
    /// </summary>
    public Tensor EncodeImages(Tensor images, IReadOnlyList<ulong> seeds)
    {
        if (seeds.Count != images.shape[0]) throw new ArgumentException($"{images.shape[0]} images but {seeds.Count} seeds");
        using var scope = NewDisposeScope();
        using var posterior = Forwards.Run(ModelNetwork.Vae, () => Vae.Encode(images.to(Vae.On.DType, Device), VaeTiling));
        Forwards.AddFlops(ModelNetwork.Vae, NetworkFlops.VaeEncode(Vae.Config, images.shape[0], images.shape[2], images.shape[3]));
        var mean = posterior.Mean.to(ScalarType.Float32);
        var std = posterior.Std().to(ScalarType.Float32);
        var noise = stack(seeds.Select(s =>
        {
            using var generator = new Generator(s, CPU);
            return randn(mean.shape[1..], ScalarType.Float32, CPU, generator: generator).to(Device);
        }));
        return ((mean + std * noise) * LatentScale).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Images the VAE decodes at once: its full-resolution activations dominate peak memory (at 512² about 0.5 GB per
    /// image and layer in fp16), so a shared UNet batch is decoded a few images at a time.
    /// </summary>
    public int DecodeChunk { get; set; } = 4;

    /// <summary>Encode and decode in overlapping tiles (less memory, results close to but not equal to untiled); null = whole images.</summary>
    public VaeTiling? VaeTiling { get; set; }

    /// <summary>Scaled latents [B,4,h,w] -> images [B,3,8h,8w] in [0,1] float32 (WebUI: clamp((x+1)/2, 0, 1)).</summary>
    public Tensor DecodeLatents(Tensor latents)
    {
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        for (long start = 0; start < latents.shape[0]; start += DecodeChunk)
        {
            var chunk = latents.narrow(0, start, Math.Min(DecodeChunk, latents.shape[0] - start));
            var decoded = DecodeChunkOnce(chunk);
            if (Vae.On.DType == ScalarType.Float16 && !decoded.isfinite().all().item<bool>())
            {
                // fp16 overflows in some VAEs (the original SDXL VAE): as WebUI's automatic VAE precision, go on in fp32.
                UseFloat32Vae();
                Warning?.Invoke("the VAE overflowed float16 (non-finite pixels); it now runs in float32 (an fp16-fixed VAE, --vae, avoids this)");
                decoded = DecodeChunkOnce(chunk);
            }
            parts.Add(((decoded + 1) / 2).clamp(0, 1));
        }
        return (parts.Count == 1 ? parts[0] : cat(parts)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Replaces the VAE by a float32 copy. The copy is built on a thread of its own: dispose scopes are per thread, and the
    /// caller's (this decode's, the render batch's) would otherwise free the new weights when they end.
    /// </summary>
    private void UseFloat32Vae()
    {
        var reduced = Vae;
        AutoencoderKL? copy = null;
        Exception? failure = null;
        var builder = new Thread(() =>
        {
            try { copy = reduced.WithDType(ScalarType.Float32); }
            catch (Exception e) { failure = e; }
        });
        builder.Start();
        builder.Join();
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        Vae = copy!;
        reduced.Dispose();
    }

    private Tensor DecodeChunkOnce(Tensor chunk)
    {
        var decoded = Forwards.Run(ModelNetwork.Vae, () => Vae.Decode((chunk / LatentScale).to(Vae.On.DType), VaeTiling)).to(ScalarType.Float32);
        Forwards.AddFlops(ModelNetwork.Vae, NetworkFlops.VaeDecode(Vae.Config, chunk.shape[0], chunk.shape[2], chunk.shape[3]));
        return decoded;
    }

    /// <summary>Receives one line when the model changes how it runs on its own (the VAE going to float32 after an fp16 overflow).</summary>
    public Action<string>? Warning { get; set; }

    public void Dispose()
    {
        _loras?.Dispose();
        Embeddings = null;
        Unet.Dispose();
        Vae.Dispose();
        foreach (var text in TextModels) text.Dispose();
    }
}
