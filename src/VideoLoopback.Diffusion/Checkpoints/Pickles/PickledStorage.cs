using VideoLoopback.Diffusion.Safetensors;

namespace VideoLoopback.Diffusion.Checkpoints.Pickles;

/// <summary>
/// One PyTorch storage of a checkpoint: its key, element type and declared element count, and, once the file's layout is
/// known, where its bytes lie in the file. Tensors are views of storages; several may share one. Files written before
/// PyTorch 1.0 may also pickle a storage as a slice of another (<see cref="SliceOf"/>).
/// </summary>
internal sealed class PickledStorage(string key, SafetensorsDType dtype, long elementCount)
{
    private long _fileOffset = -1;
    private PickledStorage? _root;
    private long _rootOffset;

    public string Key { get; } = key;
    public SafetensorsDType DType { get; } = dtype;
    public long ElementCount { get; } = elementCount;

    /// <summary>The storage's size in bytes; a count whose bytes overflow 64 bits is refused, as no file could hold them.</summary>
    public long ByteLength => ElementCount <= long.MaxValue / DType.ByteSize() ? ElementCount * DType.ByteSize()
        : throw new PickleException($"storage '{Key}' declares {ElementCount} {DType} elements, more bytes than any file holds (malformed)");

    /// <summary>The length of the deflated bytes at <see cref="FileOffset"/> when the zip record is compressed; -1 when stored.</summary>
    public long CompressedLength => _root?.CompressedLength ?? _compressedLength;

    private long _compressedLength = -1;

    /// <summary>Where the first element lies in the file; -1 while the file's layout has not placed it.</summary>
    public long FileOffset => _root is null ? _fileOffset
        : _root.FileOffset < 0 ? -1 : _root.FileOffset + _rootOffset * DType.ByteSize();

    /// <summary>A storage that is elements [<paramref name="offset"/>, +<paramref name="count"/>) of <paramref name="root"/>.</summary>
    public static PickledStorage SliceOf(PickledStorage root, string key, long offset, long count)
    {
        if (offset < 0 || count < 0 || offset > root.ElementCount - count)
            throw new PickleException($"storage '{key}' is elements {offset}..{offset + count} of storage '{root.Key}', which has {root.ElementCount}");
        return new PickledStorage(key, root.DType, count) { _root = root, _rootOffset = offset };
    }

    /// <summary>Places the storage at <paramref name="offset"/>, after checking its bytes lie inside the <paramref name="available"/> ones there.</summary>
    public void Locate(long offset, long available, long compressedLength = -1)
    {
        _compressedLength = compressedLength;
        if (available < ByteLength)
            throw new PickleException($"storage '{Key}' declares {ElementCount} {DType} elements ({ByteLength} bytes) " +
                $"but the file holds {available} bytes for it (truncated or malformed)");
        _fileOffset = offset;
    }
}
