using Microsoft.Win32.SafeHandles;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Safetensors;

/// <summary>
/// Reads tensor bytes from an open model file with positioned reads, straight into the memory of the tensor that keeps
/// them: no mapping of the file, so a file truncated or replaced later cannot fault a running render, and one truncated
/// while it is being read fails with a clean error instead of a bus error. Bytes stored in another dtype than the
/// destination's, or bound for a GPU, pass through a small reused staging buffer one chunk at a time, never through a
/// whole-tensor copy. The handle is closed on <see cref="Dispose"/>.
/// </summary>
public sealed class TensorFileReader : IDisposable
{
    /// <summary>A span addresses at most 2^31-1 bytes: larger reads go through element-aligned slices of this size.</summary>
    private const long MaxReadBytes = 1L << 30;

    /// <summary>Large enough that a chunk's conversion is worth torch's threads, small enough to stay in cache-friendly memory.</summary>
    private const long StagingBytes = 8L << 20;

    private readonly SafeFileHandle _handle;
    private readonly Func<string, Exception?, Exception> _fail;
    private readonly Dictionary<ScalarType, Tensor> _staging = new();

    private TensorFileReader(string path, SafeFileHandle handle, Func<string, Exception?, Exception> fail) =>
        (FilePath, _handle, _fail) = (path, handle, fail);

    public string FilePath { get; }

    /// <summary>The open handle (positioned reads only; the reader owns it).</summary>
    internal SafeFileHandle Handle => _handle;

    /// <summary>
    /// Opens <paramref name="path"/> for reading; <paramref name="fail"/> turns a problem (text without the file name) and
    /// its cause into the exception the file's format throws.
    /// </summary>
    public static TensorFileReader Open(string path, Func<string, Exception?, Exception> fail)
    {
        try
        {
            return new TensorFileReader(path, File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess), fail);
        }
        catch (UnauthorizedAccessException e)
        {
            throw fail("permission denied", e);
        }
        catch (IOException e)
        {
            throw fail($"cannot be read ({e.Message})", e);
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> (any dtype, any device) with its element count of <paramref name="stored"/>
    /// elements found at byte <paramref name="offset"/> of the file, converting as it goes.
    /// </summary>
    public void ReadInto(long offset, ScalarType stored, Tensor destination)
    {
        long elements = destination.numel();
        if (elements == 0) return;
        bool cpu = destination.device_type == TorchSharp.DeviceType.CPU;
        if (!destination.is_contiguous())
        {
            using var contiguous = empty(destination.shape, destination.dtype, destination.device);
            ReadInto(offset, stored, contiguous);
            destination.copy_(contiguous);
            return;
        }
        using var flat = destination.view(-1);
        if (cpu && destination.dtype == stored)
        {
            ReadBytes(offset, flat);
            return;
        }
        // Conversion (fp16 file -> fp32 compute) or a GPU destination: one staging chunk at a time.
        var staging = Staging(stored);
        long chunk = staging.numel();
        long elementSize = staging.ElementSize;
        for (long first = 0; first < elements; first += chunk)
        {
            long count = Math.Min(chunk, elements - first);
            using var source = staging.narrow(0, 0, count);
            ReadBytes(offset + first * elementSize, source);
            using var target = flat.narrow(0, first, count);
            target.copy_(source);
        }
    }

    /// <summary>Fills the contiguous CPU tensor <paramref name="destination"/> with its byte size of file bytes at <paramref name="offset"/>.</summary>
    public unsafe void ReadBytes(long offset, Tensor destination)
    {
        using var flat = destination.view(-1);
        long elementSize = flat.ElementSize;
        long elements = flat.numel();
        long chunkElements = MaxReadBytes / elementSize;
        for (long first = 0; first < elements; first += chunkElements)
        {
            long count = Math.Min(chunkElements, elements - first);
            using var slice = flat.narrow(0, first, count);
            fixed (byte* target = slice.bytes)
                ReadExactly(new Span<byte>(target, (int)(count * elementSize)), offset + first * elementSize);
        }
    }

    private void ReadExactly(Span<byte> target, long offset)
    {
        try
        {
            while (target.Length > 0)
            {
                int read = RandomAccess.Read(_handle, target, offset);
                if (read == 0)
                    throw _fail($"ends at byte {offset}, inside tensor data that the header places up to byte {offset + target.Length} " +
                                "(truncated or replaced while loading)", null);
                target = target[read..];
                offset += read;
            }
        }
        catch (IOException e)
        {
            throw _fail($"cannot be read at byte {offset} ({e.Message})", e);
        }
    }

    private Tensor Staging(ScalarType stored)
    {
        if (!_staging.TryGetValue(stored, out var staging))
        {
            using var probe = empty(1, stored);
            staging = empty(StagingBytes / probe.ElementSize, stored);
            _staging[stored] = staging;
        }
        return staging;
    }

    public void Dispose()
    {
        foreach (var staging in _staging.Values) staging.Dispose();
        _staging.Clear();
        _handle.Dispose();
    }
}
