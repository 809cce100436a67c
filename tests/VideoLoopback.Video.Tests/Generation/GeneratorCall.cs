using VideoLoopback.Video.Generation;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Generation;

/// <summary>
/// One frame's generator call as recorded by <see cref="RecordingGenerator"/>: the settings and every image in and out,
/// copied to the CPU (uint8 <c>[C,H,W]</c>; outputs <c>[3,H,W]</c>).
/// </summary>
public sealed record GeneratorCall(
    int Index,
    FrameGenerationParams Params,
    Tensor InitImage,
    Tensor? Mask,
    IReadOnlyList<Tensor> ControlImages,
    IReadOnlyList<Tensor> Outputs);
