using System.Buffers.Binary;
using System.Text.Json;

namespace VideoLoopback.Diffusion.Safetensors;

/// <summary>
/// A validated safetensors header: where the data section starts, one entry per tensor and the
/// optional string metadata. <see cref="Read"/> checks the 8-byte length prefix against the file
/// length; <see cref="Parse"/> checks the JSON: known dtypes, shape × dtype size = byte range, every
/// range inside the data section, no two ranges overlapping. Every failure is a
/// <see cref="SafetensorsException"/> naming the file.
/// </summary>
public sealed record SafetensorsHeader(
    long DataOffset, IReadOnlyList<SafetensorsEntry> Entries, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>Headers larger than this are refused (the format's reference reader uses the same bound).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string KnownDTypes = "F64, F32, F16, BF16, I64, I32, I16, I8, U8 or BOOL";

    /// <summary>
    /// Reads the length prefix and JSON header from the start of <paramref name="stream"/>, a file of
    /// <paramref name="fileLength"/> bytes (passed separately so a header can be checked without its data).
    /// </summary>
    public static SafetensorsHeader Read(string path, Stream stream, long fileLength)
    {
        if (fileLength == 0) throw new SafetensorsException(path, "file is empty");
        if (fileLength < 8)
            throw new SafetensorsException(path, $"file is {fileLength} bytes, too short for the 8-byte header length");

        Span<byte> lengthBytes = stackalloc byte[8];
        ReadExactly(path, stream, lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)(fileLength - 8))
            throw new SafetensorsException(path,
                $"header length {headerLength} runs past the end of the {fileLength}-byte file (truncated, or not a safetensors file)");
        if (headerLength > MaxHeaderBytes)
            throw new SafetensorsException(path, $"header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit");
        if (headerLength < 2)
            throw new SafetensorsException(path, $"header length {headerLength} is too short for a JSON object");

        var json = new byte[headerLength];
        ReadExactly(path, stream, json);
        long dataOffset = 8 + (long)headerLength;
        var (entries, metadata) = Parse(path, json, fileLength - dataOffset);
        return new SafetensorsHeader(dataOffset, entries, metadata);
    }

    private static void ReadExactly(string path, Stream stream, Span<byte> buffer)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException e)
        {
            throw new SafetensorsException(path, "file ends inside the header (truncated)", e);
        }
    }

    /// <summary>Parses the JSON header text; <paramref name="dataLength"/> is the size of the data section after it.</summary>
    public static (IReadOnlyList<SafetensorsEntry> Entries, IReadOnlyDictionary<string, string> Metadata) Parse(
        string path, ReadOnlySpan<byte> json, long dataLength)
    {
        // The JSON reader defers some UTF-8 checks (property names) until a string is read; check it all up front.
        if (!System.Text.Unicode.Utf8.IsValid(json))
            throw new SafetensorsException(path, "header is not valid UTF-8 text");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new SafetensorsException(path, $"header is not valid JSON ({e.Message})", e);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new SafetensorsException(path, "header is not a JSON object");

            var entries = new List<SafetensorsEntry>();
            var metadata = new Dictionary<string, string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw new SafetensorsException(path, $"tensor '{property.Name}' appears twice in the header");
                if (property.Name == "__metadata__")
                {
                    ReadMetadata(path, property.Value, metadata);
                    continue;
                }
                entries.Add(ReadEntry(path, property.Name, property.Value, dataLength));
            }

            CheckNoOverlaps(path, entries);
            return (entries, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsException(path, "__metadata__ is not a JSON object");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new SafetensorsException(path, $"__metadata__ value '{item.Name}' is not a string");
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static SafetensorsEntry ReadEntry(string path, string name, JsonElement value, long dataLength)
    {
        string Bad(string what) => $"tensor '{name}': {what}";
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsException(path, Bad("header entry is not a JSON object"));

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new SafetensorsException(path, Bad("missing string 'dtype'"));
        var dtypeName = dtypeElement.GetString()!;
        if (!SafetensorsDTypes.TryParse(dtypeName, out var dtype))
            throw new SafetensorsException(path, Bad($"unknown dtype '{dtypeName}' (expected {KnownDTypes})"));

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new SafetensorsException(path, Bad("missing array 'shape'"));
        var shape = new List<long>();
        long elements = 1;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out var d) || d < 0)
                throw new SafetensorsException(path, Bad("shape holds a value that is not a non-negative integer"));
            shape.Add(d);
            try { elements = checked(elements * d); }
            catch (OverflowException) { throw new SafetensorsException(path, Bad("shape is too large")); }
        }

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array
            || offsets.GetArrayLength() != 2)
            throw new SafetensorsException(path, Bad("missing 'data_offsets' [begin, end]"));
        if (offsets[0].ValueKind != JsonValueKind.Number || offsets[1].ValueKind != JsonValueKind.Number
            || !offsets[0].TryGetInt64(out var begin) || !offsets[1].TryGetInt64(out var end) || begin < 0 || end < begin)
            throw new SafetensorsException(path, Bad("data_offsets are not integers with 0 <= begin <= end"));
        if (end > dataLength)
            throw new SafetensorsException(path,
                Bad($"data_offsets [{begin},{end}] run past the end of the data section ({dataLength} bytes; file truncated?)"));

        long expected;
        try { expected = checked(elements * dtype.ByteSize()); }
        catch (OverflowException) { throw new SafetensorsException(path, Bad("shape is too large")); }
        if (expected != end - begin)
            throw new SafetensorsException(path,
                Bad($"shape [{string.Join(",", shape)}] of {dtypeName} needs {expected} bytes but data_offsets [{begin},{end}] give {end - begin}"));

        return new SafetensorsEntry(name, dtype, shape.ToArray(), begin, end);
    }

    private static void CheckNoOverlaps(string path, List<SafetensorsEntry> entries)
    {
        var sorted = entries.Where(e => e.ByteLength > 0).OrderBy(e => e.Begin).ToList();
        for (int i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Begin < sorted[i - 1].End)
                throw new SafetensorsException(path,
                    $"tensors '{sorted[i - 1].Name}' [{sorted[i - 1].Begin},{sorted[i - 1].End}] and " +
                    $"'{sorted[i].Name}' [{sorted[i].Begin},{sorted[i].End}] overlap in the data section");
        }
    }
}
