using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Safetensors;

/// <summary>
/// CPU tensors for loaded weights, backed by 2 MiB pages where the kernel allows it. Loading writes every byte of a model
/// into memory that was never touched, and each first touch of a 4 KiB page is a page fault: on virtual machines these
/// cost several microseconds each and took most of a load's time. Transparent huge pages (in their default "madvise"
/// mode) need the region to ask for them, which this does for the 2 MiB-aligned interior of every large buffer before
/// its first write; the ragged ends stay on 4 KiB pages, so the resident size does not grow.
/// </summary>
/// <remarks>
/// A large tensor is a view that starts on a 2 MiB boundary inside an allocation up to 2 MiB longer: the pages before
/// the boundary are never touched, so they cost address space, not memory, and all of the tensor but its last partial
/// 2 MiB gets huge pages (the aligned interior of an arbitrary allocation left about a quarter of SD-sized tensors out).
/// </remarks>
public static class HugePages
{
    private const long Size = 2L << 20;
    private const int MadvHugepage = 14;

    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int Madvise(nint address, nuint length, int advice);

    /// <summary>An uninitialised CPU tensor whose untouched memory is advised to use huge pages.</summary>
    public static unsafe Tensor Empty(ReadOnlySpan<long> shape, ScalarType dtype)
    {
        var tensor = empty(shape, dtype, CPU);
        long elements = tensor.numel();
        long elementSize = tensor.ElementSize;
        if (!OperatingSystem.IsLinux() || elements * elementSize < 2 * Size || Size % elementSize != 0)
        {
            Advise(tensor);
            return tensor;
        }
        var dims = tensor.shape;
        tensor.Dispose();
        using var raw = empty(elements + Size / elementSize, dtype, CPU);
        long start = Address(raw);
        long skip = ((start + Size - 1) & ~(Size - 1)) - start;
        if (skip % elementSize != 0) skip = 0;
        using var aligned = raw.narrow(0, skip / elementSize, elements);
        var result = aligned.view(dims);
        Advise(result);
        return result;
    }

    private static unsafe long Address(Tensor contiguous)
    {
        using var flat = contiguous.view(-1);
        using var head = flat.narrow(0, 0, 1);
        fixed (byte* first = head.bytes) return (long)first;
    }

    /// <summary>
    /// Advises the aligned interior of a contiguous CPU tensor's memory to use huge pages. Memory already touched keeps its
    /// pages; the advice only shapes later first touches (and is a no-op where THP is off or the system is not Linux).
    /// </summary>
    public static unsafe void Advise(Tensor tensor)
    {
        if (!OperatingSystem.IsLinux() || tensor.device_type != TorchSharp.DeviceType.CPU || !tensor.is_contiguous()) return;
        long bytes = tensor.numel() * tensor.ElementSize;
        if (bytes < 2 * Size) return;
        long start = Address(tensor);
        long begin = (start + Size - 1) & ~(Size - 1);
        long end = (start + bytes) & ~(Size - 1);
        // Advice only: a kernel without THP refuses it and the memory keeps its normal pages.
        if (end > begin) _ = Madvise((nint)begin, (nuint)(end - begin), MadvHugepage);
    }
}
