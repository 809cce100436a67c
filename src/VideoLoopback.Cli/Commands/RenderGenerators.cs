using TorchSharp;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Sampling;
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
    public static IFrameGenerator Create(string name, JobSpec job, Device device) => name switch
    {
        "fake" => new FakeGenerator(),
        "sd" => CreateStableDiffusion(job.Model ?? DefaultCheckpoint, device, job.SamplerName),
        _ => throw new JobException($"--generator '{name}' is unknown, expected one of: {string.Join(", ", Names)}"),
    };

    /// <summary>Loads the checkpoint once (fp32 on the CPU, fp16 on a GPU); every loading problem becomes one job error line.</summary>
    public static StableDiffusionFrameGenerator CreateStableDiffusion(string checkpoint, Device device, string samplerName = "Euler a")
    {
        try { SamplerRegistry.Resolve(samplerName); }
        catch (ArgumentException e) { throw new JobException($"sampler_name: {e.Message}"); }
        if (!File.Exists(checkpoint))
            throw new JobException($"--generator sd: checkpoint '{checkpoint}' not found; run scripts/fetch-weights.sh to download SD1.5, or pass --checkpoint PATH (--generator fake dry-runs the job without weights)");
        var compute = new ModuleDevice(device, device.type == DeviceType.CPU ? ScalarType.Float32 : ScalarType.Float16);
        try
        {
            return new StableDiffusionFrameGenerator(StableDiffusionModel.Load(checkpoint, StableDiffusionLoadOptions.ForCheckpoint(checkpoint, compute)));
        }
        catch (Exception e) when (e is CheckpointException or SafetensorsException or NotSupportedException or InvalidDataException or ArgumentException)
        {
            throw new JobException($"--generator sd: cannot load '{checkpoint}': {e.Message}");
        }
    }
}
