using System.Buffers.Binary;
using System.Text;

namespace VideoLoopback.Diffusion.Tests.Safetensors;

/// <summary>A scratch folder deleted after the test, with helpers to write hand-made safetensors files.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Root = Directory.CreateTempSubdirectory("vl-safetensors-").FullName;
    }

    public string Root { get; }

    public string PathOf(string name) => Path.Combine(Root, name);

    /// <summary>Writes an 8-byte little-endian length, <paramref name="headerJson"/> and <paramref name="data"/>.</summary>
    public string WriteRaw(string name, string headerJson, byte[]? data = null, ulong? declaredHeaderLength = null) =>
        WriteRaw(name, Encoding.UTF8.GetBytes(headerJson), data, declaredHeaderLength);

    /// <summary>As above with the header given as raw bytes (to write headers that are not valid UTF-8).</summary>
    public string WriteRaw(string name, byte[] json, byte[]? data = null, ulong? declaredHeaderLength = null)
    {
        var bytes = new byte[8 + json.Length + (data?.Length ?? 0)];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data?.CopyTo(bytes, 8 + json.Length);
        var path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
