using static TorchSharp.torch;

namespace VideoLoopback.Video.Generation;

/// <summary>
/// The only thing the loopback engine needs from Stable Diffusion: img2img / inpainting over a batch of frames.
/// A generator may hold a loaded model; whoever creates it disposes it.
/// </summary>
public interface IFrameGenerator : IDisposable
{
    /// <summary>Checkpoint name written to the settings JSON (<c>model_name</c>).</summary>
    string ModelName { get; }

    /// <summary>Checkpoint short hash written to the settings JSON (<c>model_hash</c>).</summary>
    string ModelHash { get; }

    /// <summary>
    /// Generates <c>frame.ImageCount</c> images for every frame of the request. Returns N tensors, the i-th
    /// uint8 <c>[ImageCount_i,3,Height_i,Width_i]</c> on the request's device, owned by the caller.
    /// Image k of frame i uses seed <c>Seed + k</c> (or <c>Seed</c> when SubseedStrength != 0) and subseed <c>Subseed + k</c>,
    /// as WebUI does. Results must not depend on how frames are grouped into requests.
    /// </summary>
    IReadOnlyList<Tensor> Generate(GenerationRequest request, CancellationToken cancellation = default);
}
