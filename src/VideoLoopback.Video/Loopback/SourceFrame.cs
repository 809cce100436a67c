using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// One frame of a loop's input: its pixels (uint8 <c>[C,H,W]</c>, already resized to the job's size), the file name the
/// original would see (used to look up masks), and the file it came from (for prompt files; null for video frames).
/// </summary>
public sealed record SourceFrame(Tensor Pixels, string Name, string? Path);
