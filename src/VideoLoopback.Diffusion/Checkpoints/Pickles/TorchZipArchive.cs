using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace VideoLoopback.Diffusion.Checkpoints.Pickles;

/// <summary>
/// The zip container of <c>torch.save</c> (PyTorch 1.6 and later): <c>ARCHIVE/data.pkl</c> and one record per storage
/// (<c>ARCHIVE/data/KEY</c>), stored uncompressed. Only the central directory is read (zip64 included); each record's
/// byte range is checked against the file so storages can be memory-mapped in place.
/// </summary>
internal sealed class TorchZipArchive
{
    private const uint EndSignature = 0x06054b50, End64Signature = 0x06064b50, Locator64Signature = 0x07064b50;
    private const uint CentralSignature = 0x02014b50, LocalSignature = 0x04034b50;
    private const long MaxDirectoryBytes = 1L << 28, MaxPickleBytes = 1L << 30;

    /// <summary>Deflate cannot expand data more than about 1032 times (a 258-byte match per 2 bits at best), plus a little.</summary>
    private const long MaxDeflateRatio = 1032, DeflateSlack = 1024;

    private readonly Stream _file;
    private readonly Dictionary<string, Record> _records;

    private sealed record Record(string Name, ushort Method, long CompressedSize, long Size, long LocalHeaderOffset);

    private TorchZipArchive(Stream file, Dictionary<string, Record> records, string root) => (_file, _records, Root) = (file, records, root);

    /// <summary>The archive's top folder ("archive/" for files PyTorch writes; any name is accepted).</summary>
    public string Root { get; }

    public static bool HasSignature(ReadOnlySpan<byte> start) => start.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(start) == LocalSignature;

    public static TorchZipArchive Read(Stream file)
    {
        var (count, directoryOffset, directorySize) = FindDirectory(file);
        if (directorySize > MaxDirectoryBytes || directoryOffset + directorySize > file.Length)
            throw new PickleException("zip central directory lies outside the file (truncated)");
        var directory = ReadAt(file, directoryOffset, (int)directorySize);
        var records = new Dictionary<string, Record>(StringComparer.Ordinal);
        int at = 0;
        for (long i = 0; i < count; i++)
        {
            if (at + 46 > directory.Length || BinaryPrimitives.ReadUInt32LittleEndian(directory.AsSpan(at)) != CentralSignature)
                throw new PickleException("zip central directory is malformed");
            var d = directory.AsSpan(at);
            ushort method = BinaryPrimitives.ReadUInt16LittleEndian(d[10..]);
            long compressed = BinaryPrimitives.ReadUInt32LittleEndian(d[20..]);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(d[24..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(d[28..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(d[30..]);
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(d[32..]);
            long local = BinaryPrimitives.ReadUInt32LittleEndian(d[42..]);
            if (at + 46 + nameLength + extraLength + commentLength > directory.Length)
                throw new PickleException("zip central directory is malformed");
            var name = Encoding.UTF8.GetString(d.Slice(46, nameLength));
            ReadZip64(d.Slice(46 + nameLength, extraLength), ref size, ref compressed, ref local);
            records[name] = new Record(name, method, compressed, size, local);
            at += 46 + nameLength + extraLength + commentLength;
        }
        var pickle = records.Keys.Where(n => n.EndsWith("data.pkl", StringComparison.Ordinal) && n.Count(c => c == '/') == 1).ToList();
        if (pickle.Count != 1)
            throw new PickleException(pickle.Count == 0 ? "a zip file without a data.pkl record: not a PyTorch checkpoint"
                : "a zip file with several data.pkl records");
        var root = pickle[0][..^"data.pkl".Length];
        var archive = new TorchZipArchive(file, records, root);
        if (archive.TryReadText("byteorder") is { } order && order.Trim() != "little")
            throw new PickleException($"saved with byte order '{order.Trim()}'; only little-endian files are supported");
        return archive;
    }

    /// <summary>The pickle of the saved object, read into memory (it holds structure, not tensor data).</summary>
    public byte[] ReadPickle()
    {
        var record = _records[Root + "data.pkl"];
        if (record.Size > MaxPickleBytes) throw new PickleException($"data.pkl is {record.Size} bytes, more than this reader accepts");
        CheckSizes(record);
        long offset = DataOffset(record);
        var raw = ReadAt(_file, offset, (int)record.CompressedSize);
        if (record.Method == 0) return raw;
        if (record.Method != 8) throw new PickleException($"data.pkl is compressed with zip method {record.Method}");
        using var inflate = new DeflateStream(new MemoryStream(raw), CompressionMode.Decompress);
        var result = new byte[record.Size];
        try { inflate.ReadExactly(result); }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            throw new PickleException("data.pkl does not decompress (corrupt)");
        }
        return result;
    }

    /// <summary>
    /// Where the bytes of storage <paramref name="key"/> begin in the file, how many there are and, for a record deflated by
    /// another zip writer than PyTorch's, how many compressed bytes hold them (-1 when stored).
    /// </summary>
    public (long Offset, long Length, long CompressedLength) Storage(string key)
    {
        if (!_records.TryGetValue(Root + "data/" + key, out var record))
            throw new PickleException($"storage '{key}' has no record {Root}data/{key} in the zip (truncated or malformed)");
        if (record.Method is not (0 or 8))
            throw new PickleException($"storage '{key}' is compressed with zip method {record.Method}; only stored and deflated records are read");
        CheckSizes(record);
        return (DataOffset(record), record.Size, record.Method == 8 ? record.CompressedSize : -1);
    }

    /// <summary>
    /// The size a record declares must be one its bytes in the file can hold (stored: exactly them; deflated: at most what deflate
    /// can expand them to), so nothing is allocated for data the file does not have.
    /// </summary>
    private static void CheckSizes(Record record)
    {
        if (record.Method == 0 && record.Size != record.CompressedSize)
            throw new PickleException($"zip record {record.Name} is stored in {record.CompressedSize} bytes but declares {record.Size} (malformed)");
        if (record.Method == 8 && (record.Size - DeflateSlack) / MaxDeflateRatio > record.CompressedSize)
            throw new PickleException($"zip record {record.Name} declares {record.Size} bytes, more than its {record.CompressedSize} " +
                "deflated bytes can hold (malformed)");
    }

    private string? TryReadText(string name)
    {
        if (!_records.TryGetValue(Root + name, out var record) || record.Method != 0 || record.Size > 64) return null;
        return Encoding.ASCII.GetString(ReadAt(_file, DataOffset(record), (int)record.Size));
    }

    private long DataOffset(Record record)
    {
        var header = ReadAt(_file, record.LocalHeaderOffset, 30);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != LocalSignature)
            throw new PickleException($"zip record {record.Name} has no local header (malformed)");
        long data = record.LocalHeaderOffset + 30 + BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(26))
            + BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(28));
        if (data + record.CompressedSize > _file.Length)
            throw new PickleException($"zip record {record.Name} ({record.CompressedSize} bytes at {data}) runs past the end of the " +
                $"{_file.Length}-byte file (truncated)");
        return data;
    }

    private static (long Count, long Offset, long Size) FindDirectory(Stream file)
    {
        int tail = (int)Math.Min(file.Length, 22 + 65535 + 20);
        var bytes = ReadAt(file, file.Length - tail, tail);
        for (int at = tail - 22; at >= 0; at--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)) != EndSignature) continue;
            var end = bytes.AsSpan(at);
            long count = BinaryPrimitives.ReadUInt16LittleEndian(end[10..]);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(end[12..]);
            long offset = BinaryPrimitives.ReadUInt32LittleEndian(end[16..]);
            if (at >= 20 && BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at - 20)) == Locator64Signature)
            {
                long end64At = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at - 12));
                if (end64At < 0 || end64At + 56 > file.Length) throw new PickleException("zip64 directory record lies outside the file (truncated)");
                var end64 = ReadAt(file, end64At, 56);
                if (BinaryPrimitives.ReadUInt32LittleEndian(end64) != End64Signature) throw new PickleException("zip64 directory record is malformed");
                count = (long)BinaryPrimitives.ReadUInt64LittleEndian(end64.AsSpan(32));
                size = (long)BinaryPrimitives.ReadUInt64LittleEndian(end64.AsSpan(40));
                offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(end64.AsSpan(48));
            }
            if (count < 0 || size < 0 || offset < 0) throw new PickleException("zip directory is malformed");
            return (count, offset, size);
        }
        throw new PickleException("a zip file without its central directory (truncated)");
    }

    private static void ReadZip64(ReadOnlySpan<byte> extra, ref long size, ref long compressed, ref long local)
    {
        while (extra.Length >= 4)
        {
            ushort id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            int length = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (4 + length > extra.Length) throw new PickleException("zip extra field is malformed");
            if (id == 1)
            {
                var field = extra.Slice(4, length);
                static long Next(ref ReadOnlySpan<byte> f)
                {
                    if (f.Length < 8) throw new PickleException("zip64 extra field is malformed");
                    long value = (long)BinaryPrimitives.ReadUInt64LittleEndian(f);
                    f = f[8..];
                    return value;
                }
                if (size == uint.MaxValue) size = Next(ref field);
                if (compressed == uint.MaxValue) compressed = Next(ref field);
                if (local == uint.MaxValue) local = Next(ref field);
            }
            extra = extra[(4 + length)..];
        }
        if (size < 0 || compressed < 0 || local < 0) throw new PickleException("zip directory is malformed");
    }

    private static byte[] ReadAt(Stream file, long offset, int count)
    {
        if (offset < 0 || count < 0 || offset + count > file.Length)
            throw new PickleException($"{count} bytes at {offset} lie outside the {file.Length}-byte file (truncated)");
        var buffer = new byte[count];
        file.Position = offset;
        file.ReadExactly(buffer);
        return buffer;
    }
}
