using System.IO.MemoryMappedFiles;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Safetensors;

/// <summary>Copies a byte range of a memory-mapped model file straight into a CPU tensor's storage.</summary>
public static class MappedTensorData
{
    private const long MaxChunkBytes = 1L << 30;

    /// <summary>
    /// Fills <paramref name="destination"/> (contiguous, on the CPU) with the <paramref name="byteLength"/> bytes at
    /// <paramref name="offset"/>. One view per call: its pages leave the process when it is disposed, so loading a large
    /// file does not keep the whole mapping resident.
    /// </summary>
    public static unsafe void CopyInto(MemoryMappedFile mapping, long offset, long byteLength, Tensor destination)
    {
        if (byteLength == 0) return;
        using var view = mapping.CreateViewAccessor(offset, byteLength, MemoryMappedFileAccess.Read);
        byte* source = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref source);
        try
        {
            source += view.PointerOffset;
            // A span holds at most 2^31-1 bytes: larger tensors are copied through element-aligned slices.
            using var flat = destination.view(-1);
            long elementSize = destination.ElementSize;
            long elements = byteLength / elementSize;
            long chunkElements = MaxChunkBytes / elementSize;
            for (long first = 0; first < elements; first += chunkElements)
            {
                long count = Math.Min(chunkElements, elements - first);
                using var slice = flat.narrow(0, first, count);
                long bytes = count * elementSize;
                fixed (byte* target = slice.bytes)
                    Buffer.MemoryCopy(source + first * elementSize, target, bytes, bytes);
            }
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }
}
