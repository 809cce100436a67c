using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// Host copies of frames, started in one go without waiting for the device. On CUDA each frame is copied into pinned host
/// memory with <c>non_blocking</c>, so the render thread only queues the copies behind its own work and goes on; whoever
/// reads the bytes calls <see cref="WaitForDevice"/> first, from any thread (the background writers do). On a CPU device a
/// copy is a plain clone, complete at once. Owns the copies, which belong to no dispose scope.
/// </summary>
public sealed class HostFrames : IDisposable
{
    private readonly List<Tensor> _frames;
    private Device? _pending;

    private HostFrames(List<Tensor> frames, Device? pending)
    {
        _frames = frames;
        _pending = pending;
    }

    /// <summary>Starts copying <paramref name="frames"/> (any shapes, any one device) to the host.</summary>
    public static HostFrames Start(IEnumerable<Tensor> frames)
    {
        var copies = new List<Tensor>();
        Device? cuda = null;
        try
        {
            foreach (var frame in frames)
            {
                if (frame.device_type != TorchSharp.DeviceType.CPU) cuda = frame.device;
                copies.Add(StartCopy(frame));
            }
        }
        catch
        {
            foreach (var c in copies) c.Dispose();
            throw;
        }
        return new HostFrames(copies, cuda);
    }

    public int Count => _frames.Count;

    /// <summary>The copies; their bytes are valid only after <see cref="WaitForDevice"/>.</summary>
    public IReadOnlyList<Tensor> Frames => _frames;

    /// <summary>Bytes of all copies.</summary>
    public long Bytes => _frames.Sum(f => f.NumberOfElements * f.ElementSize);

    /// <summary>
    /// Waits until the device has finished the copies. A device-wide synchronisation (TorchSharp exposes no CUDA events):
    /// on a background thread it waits for what the render thread queued before it, never blocking the render thread.
    /// </summary>
    public void WaitForDevice()
    {
        if (_pending is not { } device) return;
        TorchSharp.torch.cuda.synchronize(device);
        _pending = null;
    }

    private static Tensor StartCopy(Tensor frame)
    {
        Tensor copy;
        if (frame.device_type == TorchSharp.DeviceType.CPU)
            copy = frame.clone();
        else copy = PinnedCopy(frame);
        copy.DetachFromDisposeScope();
        return copy;
    }

    /// <summary>
    /// A pinned host copy of a device tensor, queued behind the device's work and not waited for: its bytes are valid once
    /// the device has finished (<see cref="WaitForDevice"/>), or for a copy back to the device, which the stream orders after it.
    /// </summary>
    internal static Tensor PinnedCopy(Tensor frame)
    {
        using var host = empty(frame.shape, frame.dtype, CPU);
        var pinned = host.pin_memory();
        pinned.copy_(frame, nonBlocking: true);
        return pinned;
    }

    public void Dispose()
    {
        // Pinned blocks may still be targets of copies in flight; libtorch's pinned allocator keeps them until they finish.
        foreach (var f in _frames) f.Dispose();
        _frames.Clear();
    }
}
