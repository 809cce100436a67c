using VideoLoopback.Diffusion.ControlNet;
using VideoLoopback.Diffusion.ControlNet.Preprocessors;
using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Video.Generation;

/// <summary>
/// A loaded ControlNet with its unit settings; its control image comes per frame from the request and goes through the unit's
/// preprocessor, if any, before it is fitted to the generation size.
/// </summary>
public sealed record LoadedControlNet(ControlNetModel Model, double Weight, double GuidanceStart, double GuidanceEnd, ControlMode Mode,
    HintResizeMode Resize, UnitPreprocessing? Preprocessing = null)
{
    /// <summary>The unit's control map for one frame: the image itself without a preprocessor.</summary>
    public TorchSharp.torch.Tensor ControlMap(TorchSharp.torch.Tensor image, FrameGenerationParams frame) =>
        Preprocessing?.Apply(image, frame.Seed, frame.Subseed) ?? image;
}

/// <summary>
/// What the Stable Diffusion generator adds to every frame: ControlNet units (unit k takes the frame's k-th control image),
/// the LoRA folder prompt tags are resolved in, and the job's LoRAs. Owns the loaded networks.
/// </summary>
public sealed class GeneratorAdapters(IReadOnlyList<LoadedControlNet> controlNets, LoraLibrary? loras, IReadOnlyList<LoraTag> jobLoras) : IDisposable
{
    public static GeneratorAdapters None => new([], null, []);

    public IReadOnlyList<LoadedControlNet> ControlNets { get; } = controlNets;
    public LoraLibrary? Loras { get; } = loras;
    public IReadOnlyList<LoraTag> JobLoras { get; } = jobLoras;

    public void Dispose()
    {
        foreach (var c in ControlNets) c.Model.Dispose();
        Loras?.Dispose();
    }
}
