using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Safetensors;

/// <summary>
/// A safetensors file opened for reading. The header is validated on open; tensor data is
/// memory-mapped and copied straight from the mapping into torch storage, one tensor at a time,
/// so loading never holds the whole file in managed memory.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile? _mapping;
    private readonly Dictionary<string, SafetensorsEntry> _byName;

    private SafetensorsFile(string path, MemoryMappedFile? mapping, long dataOffset,
        IReadOnlyList<SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        FilePath = path;
        _mapping = mapping;
        DataOffset = dataOffset;
        Entries = entries;
        Metadata = metadata;
        _byName = entries.ToDictionary(e => e.Name);
    }

    public string FilePath { get; }
    public long DataOffset { get; }
    public IReadOnlyList<SafetensorsEntry> Entries { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public IEnumerable<string> Keys => _byName.Keys;

    public bool Contains(string name) => _byName.ContainsKey(name);

    public SafetensorsEntry this[string name] =>
        _byName.TryGetValue(name, out var e) ? e : throw new SafetensorsException(FilePath, $"no tensor named '{name}'");

    public bool TryGetEntry(string name, out SafetensorsEntry entry) => _byName.TryGetValue(name, out entry!);

    /// <summary>Opens and validates <paramref name="path"/>; throws <see cref="SafetensorsException"/> on any problem.</summary>
    public static SafetensorsFile Open(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new SafetensorsException("(no path)", "no file name given");
        if (Directory.Exists(path))
            throw new SafetensorsException(path, "is a directory, not a safetensors file");
        if (!File.Exists(path))
            throw new SafetensorsException(path, "file not found");

        SafetensorsHeader header;
        long fileLength;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
            fileLength = stream.Length;
            header = SafetensorsHeader.Read(path, stream, fileLength);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new SafetensorsException(path, "permission denied", e);
        }
        catch (IOException e)
        {
            throw new SafetensorsException(path, $"cannot be read ({e.Message})", e);
        }

        MemoryMappedFile? mapping = null;
        if (fileLength > header.DataOffset)
        {
            try
            {
                mapping = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new SafetensorsException(path, "permission denied", e);
            }
            catch (IOException e)
            {
                throw new SafetensorsException(path, $"cannot be memory-mapped ({e.Message})", e);
            }
        }
        return new SafetensorsFile(path, mapping, header.DataOffset, header.Entries, header.Metadata);
    }

    /// <summary>
    /// Materialises one tensor on <paramref name="device"/> in <paramref name="dtype"/> (default: as stored).
    /// The bytes go from the mapping into a CPU tensor of the stored dtype, then one conversion/transfer.
    /// </summary>
    public Tensor Load(string name, ScalarType? dtype = null, Device? device = null)
    {
        var entry = this[name];
        var stored = entry.DType.ToScalarType();
        using var scope = NewDisposeScope();
        var cpu = empty(entry.Shape, stored, CPU);
        if (entry.ByteLength > 0) CopyInto(entry, cpu);
        var target = dtype ?? stored;
        var result = (device is null || device.type == TorchSharp.DeviceType.CPU) && target == stored ? cpu : cpu.to(target, device ?? CPU);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Loads every tensor whose name passes <paramref name="filter"/> (all when null).</summary>
    public Dictionary<string, Tensor> LoadAll(Func<string, bool>? filter = null, ScalarType? dtype = null, Device? device = null)
    {
        var result = new Dictionary<string, Tensor>();
        foreach (var entry in Entries)
            if (filter is null || filter(entry.Name))
                result[entry.Name] = Load(entry.Name, dtype, device);
        return result;
    }

    private void CopyInto(SafetensorsEntry entry, Tensor destination)
    {
        if (_mapping is null) throw new SafetensorsException(FilePath, $"tensor '{entry.Name}' has data but the file has none");
        MappedTensorData.CopyInto(_mapping, DataOffset + entry.Begin, entry.ByteLength, destination);
    }

    public void Dispose() => _mapping?.Dispose();
}
