using System.Text.Json;

namespace VideoLoopback.Diffusion.Safetensors;

/// <summary>
/// Parses and validates a safetensors JSON header: known dtypes, shape × dtype size = byte range,
/// every range inside the data section, no two ranges overlapping. Every failure is a
/// <see cref="SafetensorsException"/> naming the file.
/// </summary>
public static class SafetensorsHeader
{
    /// <summary>Headers larger than this are refused (the format's reference reader uses the same bound).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public static (IReadOnlyList<SafetensorsEntry> Entries, IReadOnlyDictionary<string, string> Metadata) Parse(
        string path, ReadOnlySpan<byte> json, long dataLength)
    {
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
            var seen = new HashSet<string>();
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
            throw new SafetensorsException(path, Bad($"unknown dtype '{dtypeName}' (expected F64, F32, F16, BF16, I64, I32, I16, I8, U8 or BOOL)"));

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
        if (!offsets[0].TryGetInt64(out var begin) || !offsets[1].TryGetInt64(out var end) || begin < 0 || end < begin)
            throw new SafetensorsException(path, Bad("data_offsets are not 0 <= begin <= end"));
        if (end > dataLength)
            throw new SafetensorsException(path, Bad($"data_offsets [{begin},{end}] run past the end of the data ({dataLength} bytes; file truncated?)"));

        long expected;
        try { expected = checked(elements * dtype.ByteSize()); }
        catch (OverflowException) { throw new SafetensorsException(path, Bad("shape is too large")); }
        if (expected != end - begin)
            throw new SafetensorsException(path, Bad($"shape [{string.Join(",", shape)}] of {dtypeName} needs {expected} bytes but data_offsets give {end - begin}"));

        return new SafetensorsEntry(name, dtype, shape.ToArray(), begin, end);
    }

    private static void CheckNoOverlaps(string path, List<SafetensorsEntry> entries)
    {
        var sorted = entries.Where(e => e.ByteLength > 0).OrderBy(e => e.Begin).ToList();
        for (int i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Begin < sorted[i - 1].End)
                throw new SafetensorsException(path,
                    $"tensors '{sorted[i - 1].Name}' and '{sorted[i].Name}' overlap in the data section");
        }
    }
}
