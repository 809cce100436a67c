using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Safetensors;

/// <summary>
/// A safetensors file opened for reading. The header is validated on open; tensor data is read with positioned reads
/// straight into each tensor's own memory (see <see cref="TensorFileReader"/>), one tensor at a time, so loading never
/// holds the whole file in managed memory and nothing maps the file: once loaded, tensors do not depend on it.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private readonly TensorFileReader _reader;
    private readonly Dictionary<string, SafetensorsEntry> _byName;

    private SafetensorsFile(string path, TensorFileReader reader, long dataOffset,
        IReadOnlyList<SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        FilePath = path;
        _reader = reader;
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

        // Header and data are read through one handle: a file replaced on disk meanwhile cannot mix two files.
        var reader = TensorFileReader.Open(path, (problem, cause) => new SafetensorsException(path, problem, cause));
        try
        {
            using var stream = new FileStream(new SafeFileHandle(reader.Handle.DangerousGetHandle(), ownsHandle: false), FileAccess.Read, 1);
            var header = SafetensorsHeader.Read(path, stream, stream.Length);
            return new SafetensorsFile(path, reader, header.DataOffset, header.Entries, header.Metadata);
        }
        catch (Exception e)
        {
            reader.Dispose();
            if (e is IOException) throw new SafetensorsException(path, $"cannot be read ({e.Message})", e);
            throw;
        }
    }

    /// <summary>
    /// Materialises one tensor on <paramref name="device"/> in <paramref name="dtype"/> (default: as stored), its bytes read
    /// once into its own memory (converted chunk by chunk when the dtype or device differs).
    /// </summary>
    public Tensor Load(string name, ScalarType? dtype = null, Device? device = null)
    {
        var entry = this[name];
        var target = dtype ?? entry.DType.ToScalarType();
        var result = device is null || device.type == TorchSharp.DeviceType.CPU
            ? HugePages.Empty(entry.Shape, target)
            : empty(entry.Shape, target, device);
        try
        {
            LoadInto(entry, result);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Fills <paramref name="destination"/> (same element count, any dtype and device) with tensor <paramref name="name"/>.</summary>
    public void LoadInto(string name, Tensor destination) => LoadInto(this[name], destination);

    /// <summary>Loads every tensor whose name passes <paramref name="filter"/> (all when null).</summary>
    public Dictionary<string, Tensor> LoadAll(Func<string, bool>? filter = null, ScalarType? dtype = null, Device? device = null)
    {
        var result = new Dictionary<string, Tensor>();
        foreach (var entry in Entries)
            if (filter is null || filter(entry.Name))
                result[entry.Name] = Load(entry.Name, dtype, device);
        return result;
    }

    private void LoadInto(SafetensorsEntry entry, Tensor destination)
    {
        if (destination.numel() != entry.ElementCount)
            throw new ArgumentException($"{FilePath}: tensor '{entry.Name}' has {entry.ElementCount} elements, the destination {destination.numel()}");
        _reader.ReadInto(DataOffset + entry.Begin, entry.DType.ToScalarType(), destination);
    }

    public void Dispose() => _reader.Dispose();
}
