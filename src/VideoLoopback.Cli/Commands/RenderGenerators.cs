using TorchSharp;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.ControlNet;
using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Video.Generation;
using VideoLoopback.Video.Loopback;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands;

/// <summary>The generators <c>render --generator</c> can use, by name.</summary>
public static class RenderGenerators
{
    public static readonly string[] Names = ["fake", "sd"];

    /// <summary>Where scripts/fetch-weights.sh puts the SD1.5 checkpoint.</summary>
    public const string DefaultCheckpoint = "weights/v1-5-pruned-emaonly.safetensors";

    /// <summary>Creates the named generator for <paramref name="job"/>; unknown or unavailable generators throw <see cref="JobException"/>.</summary>
    /// <param name="warn">Where LoRA lookups report names not found (WebUI warns and goes on).</param>
    /// <param name="onSamplerStep">Sees every sampler step of the sd generator (the live preview); the fake has no steps.</param>
    /// <param name="dtype">The sd generator's compute dtype (<see cref="ResolveDtype"/>); null: the device's default.</param>
    public static IFrameGenerator Create(string name, JobSpec job, Device device, Action<string>? warn = null,
        Action<SamplerStep>? onSamplerStep = null, ScalarType? dtype = null) => name switch
    {
        "fake" => new FakeGenerator(),
        "sd" => CreateStableDiffusion(job.Model ?? DefaultCheckpoint, device, job.SamplerName, job, warn ?? (_ => { }), onSamplerStep, dtype),
        _ => throw new JobException($"--generator '{name}' is unknown, expected one of: {string.Join(", ", Names)}"),
    };

    /// <summary>
    /// The compute dtype of <c>--dtype</c> (any name <see cref="ComputePrecision.Parse"/> takes; null: fp32 on the CPU,
    /// fp16 on a GPU), checked against the device before anything loads.
    /// </summary>
    public static ScalarType ResolveDtype(string? option, Device device)
    {
        try { return ComputePrecision.Resolve(option, device); }
        catch (ArgumentException e) { throw new JobException($"--dtype: {e.Message}"); }
    }

    /// <summary>The resume record's name of a <c>--dtype</c> value, to compare with the recorded one; null stays null.</summary>
    public static string? DtypeRecordName(string? option)
    {
        if (option is null) return null;
        try { return ComputePrecision.RecordName(ComputePrecision.Parse(option)); }
        catch (ArgumentException e) { throw new JobException($"--dtype: {e.Message}"); }
    }

    /// <summary>
    /// Loads the checkpoint once, computing in <paramref name="dtype"/> (default fp32 on the CPU, fp16 on a GPU); every
    /// loading problem becomes one job error line.
    /// </summary>
    public static StableDiffusionFrameGenerator CreateStableDiffusion(string checkpoint, Device device, string samplerName = "Euler a",
        JobSpec? job = null, Action<string>? warn = null, Action<SamplerStep>? onSamplerStep = null, ScalarType? dtype = null)
    {
        try { SamplerRegistry.Resolve(samplerName, job?.Scheduler); }
        catch (ArgumentException e) { throw new JobException($"sampler_name: {e.Message}"); }
        if (!File.Exists(checkpoint))
            throw new JobException($"--generator sd: checkpoint '{checkpoint}' not found; run scripts/fetch-weights.sh to download SD1.5, or pass --checkpoint PATH (--generator fake dry-runs the job without weights)");
        var compute = new ModuleDevice(device, dtype ?? ComputePrecision.DefaultFor(device));
        StableDiffusionModel model;
        try
        {
            var options = StableDiffusionLoadOptions.ForCheckpoint(checkpoint, compute) with { VaePath = job?.SdVae is { Length: > 0 } vae ? vae : null };
            if (ModelPredictionNames.ParseOrAuto(job?.Prediction) is { } prediction) options = options with { Prediction = prediction };
            model = StableDiffusionModel.Load(checkpoint, options);
            if (job?.VaeTiling == true) model.VaeTiling = new Diffusion.Vae.VaeTiling();
            model.Warning = warn;
        }
        catch (Exception e) when (e is CheckpointException or SafetensorsException or NotSupportedException or InvalidDataException or ArgumentException)
        {
            throw new JobException($"--generator sd: cannot load '{checkpoint}': {e.Message}");
        }
        try
        {
            return new StableDiffusionFrameGenerator(model, job is null ? null : LoadAdapters(job, model, compute, warn ?? (_ => { })),
                onSamplerStep);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The job's ControlNets (checked against the checkpoint's UNet) and LoRA folder; every problem names its file.</summary>
    private static GeneratorAdapters LoadAdapters(JobSpec job, StableDiffusionModel model, ModuleDevice compute, Action<string> warn)
    {
        var controlNets = new List<LoadedControlNet>();
        LoraLibrary? library = null;
        try
        {
            foreach (var unit in job.ControlNets)
            {
                unit.Validate();
                ControlNetModel network;
                try { network = ControlNetModel.Load(unit.Model, model.Unet.Config, compute); }
                catch (Exception e) when (e is CheckpointException or SafetensorsException or NotSupportedException or InvalidDataException or ArgumentException)
                {
                    throw new JobException($"ControlNet: cannot load '{unit.Model}': {e.Message}");
                }
                controlNets.Add(new LoadedControlNet(network, unit.Weight, unit.GuidanceStart, unit.GuidanceEnd, unit.Mode(), unit.Resize(),
                    unit.Preprocessing()));
            }
            model.Embeddings = model.EmbeddingsFrom(job.EmbeddingsDir ?? JobSpec.DefaultEmbeddingsDir);
            try { model.Embeddings.ReadUsedBy([job.Prompt, job.NegativePrompt, job.PromptSchedule, job.NegativePromptSchedule]); }
            catch (InvalidDataException e) { throw new JobException($"embeddings_dir: {e.Message}"); }
            library = new LoraLibrary(job.LoraDir ?? JobSpec.DefaultLoraDir, warn, compute.Device);
            var jobLoras = job.Loras.Select(LoraSpec.Parse).ToList();
            try
            {
                // Loaded and checked against the model now, so a bad file stops the job before the first frame.
                foreach (var activation in library.Resolve(jobLoras)) model.CheckLoraFits(activation.Network);
            }
            catch (Exception e) when (e is SafetensorsException or InvalidDataException or ArgumentException)
            {
                throw new JobException($"loras: {e.Message}");
            }
            return new GeneratorAdapters(controlNets, library, jobLoras);
        }
        catch
        {
            foreach (var c in controlNets) c.Model.Dispose();
            library?.Dispose();
            throw;
        }
    }
}
