using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.ControlNet;
using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Sampling.Noise;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Video.Generation;
using VideoLoopback.Video.Imaging;
using VideoLoopback.Video.Loopback;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands;

/// <summary>
/// <c>videoloopback img2img</c>: one WebUI img2img (or inpainting, with <c>--mask</c>) run on an image file;
/// writes <c>NNNNN-SEED.png</c> per image with WebUI's <c>parameters</c> text, so the PNG info tab reads it.
/// </summary>
public sealed class Img2ImgCommand(IAnsiConsole console) : Command<Img2ImgCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--checkpoint <FILE>")][Description("SD1.x, SD2.x, SDXL or SDXL refiner checkpoint (default weights/v1-5-pruned-emaonly.safetensors).")]
        public string Checkpoint { get; init; } = RenderGenerators.DefaultCheckpoint;
        [CommandOption("--vae <FILE>")][Description("Standalone VAE replacing the checkpoint's.")]
        public string? Vae { get; init; }
        [CommandOption("--init <FILE>")][Description("Init image.")]
        public string Init { get; init; } = "";
        [CommandOption("--prompt <TEXT>")] public string Prompt { get; init; } = "";
        [CommandOption("--negative <TEXT>")] public string Negative { get; init; } = "";
        [CommandOption("--mask <FILE>")][Description("Inpainting mask: white = repaint (an RGBA mask uses its alpha, as WebUI).")]
        public string? Mask { get; init; }
        [CommandOption("--mask-blur <N>")] public int MaskBlur { get; init; } = 4;
        [CommandOption("--inpaint-not-masked")][Description("Repaint everything except the mask.")]
        public bool InpaintNotMasked { get; init; }
        [CommandOption("--masked-content <MODE>")][Description("What the masked area starts from: fill (blurred surrounding colour), original, latent-noise or latent-nothing.")]
        public string MaskedContent { get; init; } = "original";
        [CommandOption("--inpaint-area <AREA>")][Description("whole (the whole picture at --width x --height) or only-masked (a padded crop around the mask generated at --width x --height and pasted back; the output keeps the init image's size).")]
        public string InpaintArea { get; init; } = "whole";
        [CommandOption("--inpaint-padding <N>")][Description("Pixels added around the mask before cropping, for --inpaint-area only-masked (default 32).")]
        public int InpaintPadding { get; init; } = 32;
        [CommandOption("--sampler <NAME>")][Description("WebUI sampler name or alias (default Euler a; the list is in README, Samplers).")]
        public string Sampler { get; init; } = "Euler a";
        [CommandOption("--scheduler <NAME>")] public string Scheduler { get; init; } = "Automatic";
        [CommandOption("--steps <N>")] public int Steps { get; init; } = 20;
        [CommandOption("--cfg <SCALE>")] public double Cfg { get; init; } = 7;
        [CommandOption("--denoising <S>")] public double Denoising { get; init; } = 0.75;
        [CommandOption("--seed <N>")][Description("-1 = random.")] public long Seed { get; init; } = -1;
        [CommandOption("--subseed <N>")][Description("-1 = random.")] public long Subseed { get; init; } = -1;
        [CommandOption("--subseed-strength <S>")] public double SubseedStrength { get; init; }
        [CommandOption("--width <N>")][Description("Processing width (default: the init image's).")] public long? Width { get; init; }
        [CommandOption("--height <N>")][Description("Processing height (default: the init image's).")] public long? Height { get; init; }
        [CommandOption("--resize-mode <N>")][Description("0 just resize, 1 crop and resize, 2 resize and fill.")] public int ResizeMode { get; init; }
        // Sizes and counts are read as long, so a value past int's range gets the range error, not a parse error.
        [CommandOption("--batch-size <N>")] public long BatchSize { get; init; } = 1;
        [CommandOption("--clip-skip <N>")] public int ClipSkip { get; init; } = 1;
        [CommandOption("--prediction <auto|eps|v>")][Description("What the checkpoint's UNet predicts. auto: SD2.x is tested as WebUI does (one UNet run), others are eps.")]
        public string Prediction { get; init; } = "auto";
        [CommandOption("--ensd <N>")][Description("Eta noise seed delta: the ancestral/SDE noise restarts from seed + N after the initial noise (WebUI option). Default 0.")]
        public ulong Ensd { get; init; }
        [CommandOption("--eta <S>")][Description("Noise multiplier of ancestral and SDE samplers and DDIM (WebUI's eta). Default: 1, DDIM 0.")]
        public double? Eta { get; init; }
        [CommandOption("--s-churn <S>")][Description("Sigma churn of Euler, Heun and DPM2. Default 0.")]
        public double SChurn { get; init; }
        [CommandOption("--s-tmin <S>")][Description("Churn only at sigmas >= this. Default 0.")]
        public double STmin { get; init; }
        [CommandOption("--s-tmax <S>")][Description("Churn only at sigmas <= this; 0 = no limit. Default 0.")]
        public double STmax { get; init; }
        [CommandOption("--s-noise <S>")][Description("Scale of the churn noise of Euler, Heun and DPM2. Default 1.")]
        public double SNoise { get; init; } = 1;
        [CommandOption("--device <DEVICE>")][Description("cpu, cuda or cuda:N (default: cuda when libtorch sees a CUDA device, else cpu; the choice is printed). CUDA computes in float16 unless --dtype says otherwise.")]
        public string? Device { get; init; }
        [CommandOption("--randn-source <SOURCE>")][Description("Noise source: GPU (WebUI's default: the device's generator, CPU on a CPU), CPU or NV.")]
        public string RandnSource { get; init; } = "GPU";
        [CommandOption("--seed-resize-from <WxH>")][Description("Make the noise as for this size and centre it (WebUI 'Resize seed from'), e.g. 512x512.")]
        public string? SeedResizeFrom { get; init; }
        [CommandOption("--lora-dir <FOLDER>")][Description("Where <lora:name:weight> prompt tags are looked up, recursively. Default weights/lora.")]
        public string LoraDir { get; init; } = "weights/lora";
        [CommandOption("--embeddings-dir <FOLDER>")][Description("Where textual-inversion embeddings named in prompts are looked up, recursively. Default weights/embeddings.")]
        public string EmbeddingsDir { get; init; } = "weights/embeddings";
        // Descriptions are Spectre markup: brackets are doubled to show as brackets.
        [CommandOption("--controlnet <SPEC>")][Description("A ControlNet unit, repeatable: MODEL[[,weight=1]][[,start=0]][[,end=1]][[,mode=balanced|prompt|controlnet]][[,resize=crop|just|fill]][[,module=NAME]][[,processor_res=N]][[,threshold_a=A]][[,threshold_b=B]]; one --control-image each.")]
        public string[]? ControlNets { get; init; }
        [CommandOption("--control-image <FILE>")][Description("The control image of each --controlnet, in order (the unit's module, if any, runs on it first).")]
        public string[]? ControlImages { get; init; }
        [CommandOption("--output <FOLDER>")] public string Output { get; init; } = "outputs/img2img";
        [CommandOption("--dtype <DTYPE>")][Description("Compute dtype: fp32 (default on the CPU, faithful to the reference; CUDA defaults to fp16), bf16 (needs a CPU with avx512_bf16 or AMX; about 2x faster, within the tolerances README states) or fp16 (works on a CPU but is slow).")]
        public string? Dtype { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        // Everything is checked before the checkpoint is loaded.
        var content = s.MaskedContent.Trim().ToLowerInvariant() switch
        {
            "fill" => Diffusion.Pipelines.MaskedContent.Fill,
            "original" => Diffusion.Pipelines.MaskedContent.Original,
            "latent-noise" or "latent noise" => Diffusion.Pipelines.MaskedContent.LatentNoise,
            "latent-nothing" or "latent nothing" => Diffusion.Pipelines.MaskedContent.LatentNothing,
            _ => throw new ArgumentException($"--masked-content '{s.MaskedContent}': expected fill, original, latent-noise or latent-nothing"),
        };
        var area = s.InpaintArea.Trim().ToLowerInvariant() switch
        {
            "whole" or "whole-picture" or "whole picture" => Diffusion.Pipelines.InpaintArea.WholePicture,
            "only-masked" or "only masked" => Diffusion.Pipelines.InpaintArea.OnlyMasked,
            _ => throw new ArgumentException($"--inpaint-area '{s.InpaintArea}': expected whole or only-masked"),
        };
        if (s.InpaintPadding < 0) throw new ArgumentException($"--inpaint-padding {s.InpaintPadding}: expected 0 or more pixels");
        if (s.ResizeMode is < 0 or > 2) throw new ArgumentException($"--resize-mode {s.ResizeMode}: expected 0, 1 or 2");
        var resizeMode = (WebUiResizeMode)s.ResizeMode;
        if (s.BatchSize is < 1 or > Img2ImgParams.MaxBatchSize)
            throw new ArgumentException($"--batch-size {s.BatchSize}: expected 1..{Img2ImgParams.MaxBatchSize} images per sampler batch");
        foreach (var (option, side) in new[] { ("--width", s.Width), ("--height", s.Height) })
            if (side is { } n && (n is <= 0 or > Img2ImgParams.MaxSide || n % 8 != 0))
                throw new ArgumentException($"{option} {n}: width and height must be positive multiples of 8, at most {Img2ImgParams.MaxSide}");
        if (s.Init.Length == 0) throw new ArgumentException("--init: an init image is required");
        var choice = DeviceChoice.Select(s.Device);
        var compute = new ModuleDevice(choice.Device, RenderGenerators.ResolveDtype(s.Dtype, choice.Device));
        var units = (s.ControlNets ?? []).Select(ControlNetSpec.Parse).ToList();
        foreach (var unit in units) unit.Validate();
        var controlImages = s.ControlImages ?? [];
        if (controlImages.Length != units.Count)
            throw new ArgumentException($"{units.Count} --controlnet unit(s) but {controlImages.Length} --control-image file(s): give one image per unit, in order");
        var (resizeFromWidth, resizeFromHeight) = SeedResizeFrom(s.SeedResizeFrom);
        var (init, width, height) = ReadInit(s);
        var mask = s.Mask is null ? null : ReadMask(s.Mask, (int)init.shape[2], (int)init.shape[1], resizeMode);
        var random = new Random();
        long seed = s.Seed == -1 ? random.NextInt64(0, 4294967295) : s.Seed;
        long subseed = s.Subseed == -1 ? random.NextInt64(0, 4294967295) : s.Subseed;
        var parameters = new Img2ImgParams
        {
            Prompt = s.Prompt, NegativePrompt = s.Negative, Seed = unchecked((ulong)seed), Subseed = unchecked((ulong)subseed),
            SubseedStrength = s.SubseedStrength, CfgScale = s.Cfg, Steps = s.Steps, Denoising = s.Denoising, Sampler = s.Sampler,
            Scheduler = s.Scheduler, ClipSkip = s.ClipSkip, BatchSize = (int)s.BatchSize,
            Width = width, Height = height, ResizeMode = resizeMode,
            EtaNoiseSeedDelta = s.Ensd, SeedResizeFromWidth = resizeFromWidth, SeedResizeFromHeight = resizeFromHeight,
            RandnSource = RandnSource(s.RandnSource),
            SamplerOptions = new SamplerOptions
            {
                Eta = s.Eta, SChurn = s.SChurn, STmin = s.STmin, STmax = SamplerOptions.TmaxFromWebUi(s.STmax), SNoise = s.SNoise,
            },
            Inpaint = new InpaintSettings
            {
                MaskBlurX = s.MaskBlur, MaskBlurY = s.MaskBlur, MaskedContent = content, Area = area, OnlyMaskedPadding = s.InpaintPadding,
                MaskMode = s.InpaintNotMasked ? InpaintMaskMode.InpaintNotMasked : InpaintMaskMode.InpaintMasked,
            },
        };
        parameters.Validate();
        var prediction = Prediction(s.Prediction);
        if (!File.Exists(s.Checkpoint))
            throw new FileNotFoundException($"--checkpoint '{s.Checkpoint}' not found; run scripts/fetch-weights.sh to download SD1.5, or pass --checkpoint PATH");
        console.WriteLine(choice.Line);
        if (choice.Warning is { } deviceWarning) console.MarkupLine($"[yellow]{Markup.Escape(deviceWarning)}[/]");

        var options = StableDiffusionLoadOptions.ForCheckpoint(s.Checkpoint, compute) with { VaePath = s.Vae };
        if (prediction is not null) options = options with { Prediction = prediction };
        using var model = StableDiffusionModel.Load(s.Checkpoint, options);
        model.Warning = w => console.MarkupLine($"[yellow]Warning: {Markup.Escape(w)}[/]");
        model.Embeddings = model.EmbeddingsFrom(s.EmbeddingsDir);
        using var loras = new LoraLibrary(s.LoraDir, w => console.MarkupLine($"[yellow]Warning: {Markup.Escape(w)}[/]"), compute.Device);
        var controlNets = new List<ControlNetModel>();
        try
        {
            var controls = units.Select((unit, k) =>
            {
                var network = ControlNetModel.Load(unit.Model, model.Unet.Config, options.Compute);
                controlNets.Add(network);
                var image = ImageFile.Read(controlImages[k]).Image;
                var map = unit.Preprocessing()?.Apply(image, seed, subseed) ?? image;
                var hint = HintImage.ToControl(map, height, width, unit.Resize(), model.Device);
                return new ControlNetUnit(network, hint, unit.Weight, unit.GuidanceStart, unit.GuidanceEnd, unit.Mode());
            }).ToList();
            var frame = new Img2ImgFrame(init, parameters, mask, controls.Count == 0 ? null : controls);
            var images = WebUiImg2Img.Pipeline(model, loras).Run([frame])[0];

            Directory.CreateDirectory(s.Output);
            int index = Directory.GetFiles(s.Output, "*.png").Length;
            var (seeds, _) = BatchSeeds.For(parameters.Seed, parameters.Subseed, parameters.SubseedStrength, parameters.BatchSize);
            for (int i = 0; i < images.shape[0]; i++)
            {
                var path = Path.Combine(s.Output, $"{index + i:D5}-{seeds[i]}.png");
                var text = WebUiImg2Img.Infotext(frame, WebUiImg2Img.ModelName(model), i);
                ImageFile.Write(path, images[i], text: [new("parameters", text)]);
                console.WriteLine(path);
            }
            return 0;
        }
        finally
        {
            foreach (var network in controlNets) network.Dispose();
        }
    }

    private static ModelPrediction? Prediction(string name)
    {
        try { return ModelPredictionNames.ParseOrAuto(name); }
        catch (ArgumentException e) { throw new ArgumentException($"--prediction: {e.Message.Split(" (Parameter")[0]}", e); }
    }

    private static RandnSource RandnSource(string name)
    {
        try { return RandnSourceNames.Parse(name); }
        catch (ArgumentException e) { throw new ArgumentException($"--randn-source: {e.Message.Split(" (Parameter")[0]}", e); }
    }

    /// <summary>"WxH" → (W, H); null → (0, 0), off.</summary>
    private static (int Width, int Height) SeedResizeFrom(string? text)
    {
        if (text is null) return (0, 0);
        var parts = text.ToLowerInvariant().Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], out int w) && int.TryParse(parts[1], out int h)) return (w, h);
        throw new ArgumentException($"--seed-resize-from '{text}': expected WIDTHxHEIGHT, e.g. 512x512");
    }

    private static (Tensor Init, int Width, int Height) ReadInit(Settings s)
    {
        var (image, mode) = ImageFile.Read(s.Init);
        // WebUI flattens transparency onto its white img2img background.
        Tensor rgb = mode switch
        {
            ImageMode.RGB => image,
            ImageMode.RGBA => ImageConvert.FlattenOntoWhite(image),
            _ => ImageConvert.To(image, ImageMode.RGB),
        };
        // Given sizes were checked against MaxSide already.
        int width = (int)(s.Width ?? rgb.shape[2]), height = (int)(s.Height ?? rgb.shape[1]);
        if (width <= 0 || height <= 0 || width % 8 != 0 || height % 8 != 0 || width > Img2ImgParams.MaxSide || height > Img2ImgParams.MaxSide)
            throw new ArgumentException($"--width/--height {width}x{height}: both must be positive multiples of 8, at most {Img2ImgParams.MaxSide}");
        // The pipeline brings the image to the processing size (or, only masked, crops it) as WebUI does.
        return (rgb, width, height);
    }

    /// <summary>
    /// WebUI's create_binary_mask of the mask file (<see cref="WebUiImg2Img.BinaryMask"/>). A mask of another size than the
    /// init image is resized to it; the pipeline blurs it and then resizes it with the image, as WebUI.
    /// </summary>
    private static Tensor ReadMask(string path, int width, int height, WebUiResizeMode mode)
    {
        var (image, imageMode) = ImageFile.Read(path);
        var mask = WebUiImg2Img.BinaryMask(image, imageMode);
        if (mask.shape[0] != height || mask.shape[1] != width)
            mask = WebUiResize.Resize(mask.unsqueeze(0), mode, width, height)[0];
        return mask.contiguous();
    }
}
