using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// Where a <see cref="FrameStore"/> keeps frames that do not fit its share of device memory: uint8 frames written once,
/// each under a slot number, and read back onto the device on demand. Bit-exact: the bytes go out and come back as they were.
/// </summary>
public abstract class FrameSpill : IDisposable
{
    /// <summary>A spill for frames of <paramref name="device"/>: pinned host memory for CUDA, a temporary file otherwise.</summary>
    public static FrameSpill For(Device device, string? folder = null) =>
        device.type == TorchSharp.DeviceType.CUDA ? new HostFrameSpill() : new DiskFrameSpill(folder ?? Path.GetTempPath());

    /// <summary>Copies <paramref name="pixels"/> (uint8) out; returns its slot.</summary>
    public abstract int Write(Tensor pixels);

    /// <summary>A new tensor on <paramref name="device"/> with slot <paramref name="slot"/>'s pixels; the caller owns it.</summary>
    public abstract Tensor Read(int slot, Device device);

    public abstract void Dispose();
}
