using Microsoft.Win32.SafeHandles;
using VideoLoopback.Diffusion.Checkpoints.Pickles;
using VideoLoopback.Diffusion.Safetensors;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// A state dict saved with <c>torch.save</c> (<c>.ckpt</c>/<c>.pth</c>/<c>.pt</c>), in the zip format of PyTorch 1.6 and later or
/// the legacy format before it, read with our own restricted unpickler: nothing from the file runs (see <see cref="PickleGlobals"/>).
/// Opening reads only the pickled structure and checks every tensor's view against the bytes its storage has in the file;
/// tensor data is read one tensor at a time with positioned reads straight into the tensor's memory; nothing maps the file. A state dict wrapped under <c>state_dict</c> (Lightning
/// checkpoints, next to <c>global_step</c> and the like) is unwrapped; other nested dicts give dotted keys.
/// </summary>
public sealed class PickledStateDict : IDisposable
{
    private readonly TensorFileReader _reader;
    private readonly Dictionary<string, PickledTensor> _tensors;

    private PickledStateDict(string path, TensorFileReader reader, Dictionary<string, PickledTensor> tensors)
    {
        FilePath = path;
        _reader = reader;
        _tensors = tensors;
        Tensors = tensors.Select(t => new TensorDescriptor(t.Key, t.Value.Shape, t.Value.Storage.DType)).ToList();
    }

    public string FilePath { get; }

    /// <summary>Every tensor's name, shape and dtype, in the order the file lists them.</summary>
    public IReadOnlyList<TensorDescriptor> Tensors { get; }

    /// <summary>True when the file starts like a PyTorch zip or legacy pickle (the name is not looked at).</summary>
    public static bool HasSignature(string path)
    {
        Span<byte> start = stackalloc byte[4];
        try
        {
            using var stream = File.OpenRead(path);
            int read = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
            return TorchZipArchive.HasSignature(start[..read]) || LegacyTorchFile.HasSignature(start[..read]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Opens <paramref name="path"/>; every problem is one <see cref="InvalidDataException"/> naming the file.</summary>
    public static PickledStateDict Open(string path)
    {
        if (Directory.Exists(path)) throw new InvalidDataException($"{path}: is a directory, not a PyTorch checkpoint");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        // The structure and the tensor data are read through one handle: a file replaced on disk meanwhile cannot mix two files.
        var reader = TensorFileReader.Open(path, (problem, cause) => new InvalidDataException($"{path}: {problem}", cause));
        bool opened = false;
        try
        {
            Dictionary<string, PickledTensor> tensors;
            using (var stream = new FileStream(new SafeFileHandle(reader.Handle.DangerousGetHandle(), ownsHandle: false), FileAccess.Read, 1 << 16))
                tensors = StateDict(ReadObject(stream));
            if (tensors.Count == 0) throw new PickleException("the pickle holds no tensors (expected a state dict)");
            foreach (var (name, tensor) in tensors) Check(name, tensor);
            opened = true;
            return new PickledStateDict(path, reader, tensors);
        }
        catch (PickleException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot be read ({e.Message})", e);
        }
        catch (Exception e) when (e is OverflowException or FormatException or ArgumentException)
        {
            // A backstop: numbers the checks above did not foresee still name the file instead of escaping as they are.
            throw new InvalidDataException($"{path}: malformed ({e.Message})", e);
        }
        finally
        {
            if (!opened) reader.Dispose();
        }
    }

    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>
    /// Materialises one tensor on <paramref name="device"/> in <paramref name="dtype"/> (default: as stored). A contiguous view
    /// is read once straight into its own memory; a strided one reads the storage elements it spans, then gathers them.
    /// </summary>
    public Tensor Load(string name, ScalarType? dtype = null, Device? device = null)
    {
        var tensor = Find(name);
        var target = dtype ?? tensor.Storage.DType.ToScalarType();
        var result = device is null || device.type == TorchSharp.DeviceType.CPU
            ? HugePages.Empty(tensor.Shape, target)
            : empty(tensor.Shape, target, device);
        try
        {
            LoadInto(name, tensor, result);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Fills <paramref name="destination"/> (same element count, any dtype and device) with tensor <paramref name="name"/>.</summary>
    public void LoadInto(string name, Tensor destination) => LoadInto(name, Find(name), destination);

    public void Dispose() => _reader.Dispose();

    private PickledTensor Find(string name) =>
        _tensors.TryGetValue(name, out var tensor) ? tensor : throw new InvalidDataException($"{FilePath}: no tensor named '{name}'");

    private void LoadInto(string name, PickledTensor tensor, Tensor destination)
    {
        var (first, count) = tensor.Span();
        if (destination.numel() != tensor.ElementCount)
            throw new ArgumentException($"{FilePath}: tensor '{name}' has {tensor.ElementCount} elements, the destination {destination.numel()}");
        if (count == 0) return;
        var stored = tensor.Storage.DType.ToScalarType();
        int size = tensor.Storage.DType.ByteSize();
        if (tensor.IsContiguous && tensor.Storage.CompressedLength < 0)
        {
            _reader.ReadInto(tensor.Storage.FileOffset + first * size, stored, destination);
            return;
        }
        using var scope = NewDisposeScope();
        var flat = empty(count, stored, CPU);
        if (tensor.Storage.CompressedLength >= 0) Inflate(tensor.Storage, first * size, flat);
        else _reader.ReadBytes(tensor.Storage.FileOffset + first * size, flat);
        var gathered = tensor.IsContiguous ? flat.reshape(tensor.Shape) : flat.as_strided(tensor.Shape, tensor.Strides, 0);
        destination.copy_(gathered);
    }

    /// <summary>
    /// A deflated storage (zip files written by other tools than PyTorch, e.g. TorchSharp.PyBridge) cannot be read in place:
    /// it is inflated up to the end of the tensor's span, and the span copied into <paramref name="destination"/>.
    /// </summary>
    private void Inflate(PickledStorage storage, long skipBytes, Tensor destination)
    {
        using var file = new FileStream(new SafeFileHandle(_reader.Handle.DangerousGetHandle(), ownsHandle: false), FileAccess.Read, 1 << 16);
        file.Position = storage.FileOffset;
        using var inflate = new System.IO.Compression.DeflateStream(file, System.IO.Compression.CompressionMode.Decompress);
        try
        {
            var skip = new byte[Math.Min(skipBytes, 1 << 20)];
            for (long left = skipBytes; left > 0; left -= skip.Length) inflate.ReadExactly(skip, 0, (int)Math.Min(left, skip.Length));
            inflate.ReadExactly(destination.bytes);
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            throw new InvalidDataException($"{FilePath}: storage '{storage.Key}' does not decompress to its declared size (corrupt)", e);
        }
    }

    private static object? ReadObject(FileStream stream)
    {
        Span<byte> start = stackalloc byte[512];
        int read = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        if (read == 0) throw new PickleException("file is empty");
        if (TorchZipArchive.HasSignature(start[..read]))
        {
            var archive = TorchZipArchive.Read(stream);
            var storages = new StorageTable(storage =>
            {
                var (offset, length, compressed) = archive.Storage(storage.Key);
                storage.Locate(offset, length, compressed);
            });
            using var pickle = new MemoryStream(archive.ReadPickle());
            return PickleMachine.Load(pickle, storages.Resolve);
        }
        if (LegacyTorchFile.HasSignature(start[..read])) return LegacyTorchFile.Read(stream).Root;
        if (read >= 262 && start.Slice(257, 5).SequenceEqual("ustar"u8))
            throw new PickleException("a tar archive: PyTorch's pre-0.4 checkpoint format is not supported; re-save it with a newer PyTorch");
        throw new PickleException("not a PyTorch checkpoint (neither the zip format of torch.save nor its legacy pickle format)");
    }

    /// <summary>The tensors of the saved object by key: its <c>state_dict</c> entry when it has one, nested dicts as dotted keys.</summary>
    private static Dictionary<string, PickledTensor> StateDict(object? saved)
    {
        if (saved is not PickleDict dict)
            throw new PickleException($"holds a {PickleMachine.Describe(saved)}, not a state dict (a dict of tensors)");
        if (dict.Get("state_dict") is PickleDict inner) dict = inner;
        var tensors = new Dictionary<string, PickledTensor>(StringComparer.Ordinal);
        Collect(dict, "", tensors, depth: 0);
        return tensors;
    }

    private static void Collect(PickleDict dict, string prefix, Dictionary<string, PickledTensor> into, int depth)
    {
        foreach (var (key, value) in dict.Entries)
        {
            var name = key switch { string s => s, long n => n.ToString(System.Globalization.CultureInfo.InvariantCulture), _ => null };
            if (name is null) continue;
            if (value is PickledTensor tensor) into.TryAdd(prefix + name, tensor);
            else if (value is PickleDict nested && depth < 8) Collect(nested, prefix + name + ".", into, depth + 1);
        }
    }

    /// <summary>Every view must lie inside its storage, and every storage inside the file, before anything is allocated.</summary>
    private static void Check(string name, PickledTensor tensor)
    {
        try
        {
            if (tensor.Storage.FileOffset < 0) throw new PickleException($"storage '{tensor.Storage.Key}' has no data in the file (truncated)");
            tensor.Span();
        }
        catch (PickleException e)
        {
            throw new PickleException($"tensor '{name}': {e.Message}");
        }
    }
}
