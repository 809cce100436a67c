using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>Frames of a CUDA render in pinned host memory, copied back to the device without blocking the host.</summary>
public sealed class HostFrameSpill : FrameSpill
{
    private readonly List<Tensor> _slots = [];

    public override int Write(Tensor pixels)
    {
        using var cpu = pixels.cpu();
        var pinned = cpu.pin_memory();
        _slots.Add(pinned);
        return _slots.Count - 1;
    }

    public override Tensor Read(int slot, Device device) => _slots[slot].to(device, non_blocking: true);

    public override void Dispose()
    {
        foreach (var t in _slots) t.Dispose();
        _slots.Clear();
    }
}
