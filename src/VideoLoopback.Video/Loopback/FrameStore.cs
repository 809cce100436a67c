namespace VideoLoopback.Video.Loopback;

/// <summary>All frames of one loop on the device, in order; owns their tensors.</summary>
public sealed class FrameStore(IReadOnlyList<SourceFrame> frames) : IDisposable
{
    public IReadOnlyList<SourceFrame> Frames { get; } = frames;

    public int Count => Frames.Count;

    public SourceFrame this[int index] => Frames[index];

    public void Dispose()
    {
        // Frames of a repeated single image share one tensor.
        foreach (var t in Frames.Select(f => (object)f.Pixels).Distinct(ReferenceEqualityComparer.Instance)) ((TorchSharp.torch.Tensor)t).Dispose();
    }
}
