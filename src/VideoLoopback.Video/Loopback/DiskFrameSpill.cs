using Microsoft.Win32.SafeHandles;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// Frames in one raw file of uint8 pixels, appended and read back by offset. The file has an unpredictable name, is
/// created exclusively, and is unlinked at once where the system allows it (nothing is left behind, even after a hard kill).
/// </summary>
public sealed class DiskFrameSpill : FrameSpill
{
    private readonly FileStream _file;
    private readonly List<(long Offset, long[] Shape)> _slots = [];
    private long _length;

    public DiskFrameSpill(string folder)
    {
        Path = System.IO.Path.Combine(folder, $"vl-frames-{Guid.NewGuid():N}.raw");
        _file = new FileStream(Path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose | FileOptions.RandomAccess);
        if (!OperatingSystem.IsWindows()) File.Delete(Path);
    }

    /// <summary>The file's name (already gone from its folder except on Windows).</summary>
    public string Path { get; }

    private SafeFileHandle Handle => _file.SafeFileHandle;

    public override int Write(Tensor pixels)
    {
        using var cpu = pixels.device_type == TorchSharp.DeviceType.CPU ? pixels.contiguous() : pixels.cpu().contiguous();
        RandomAccess.Write(Handle, cpu.bytes, _length);
        _slots.Add((_length, pixels.shape));
        _length += cpu.bytes.Length;
        return _slots.Count - 1;
    }

    public override Tensor Read(int slot, Device device)
    {
        var (offset, shape) = _slots[slot];
        var pixels = empty(shape, ScalarType.Byte);
        if (RandomAccess.Read(Handle, pixels.bytes, offset) != pixels.bytes.Length)
            throw new IOException($"frame spill '{Path}': slot {slot} is shorter than written");
        if (device.type == TorchSharp.DeviceType.CPU) return pixels;
        using (pixels) return pixels.to(device);
    }

    public override void Dispose() => _file.Dispose();
}
