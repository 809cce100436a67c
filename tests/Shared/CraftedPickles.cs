using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace VideoLoopback.Tests.Shared;

/// <summary>
/// Hand-made PyTorch zip checkpoints with whatever sizes a hostile or broken file may declare: a state dict of one float
/// tensor <c>w</c> over storage <c>0</c>, and the zip records around it, whose directory sizes can then be patched.
/// </summary>
public static class CraftedPickles
{
    /// <summary>The pickle of <c>{'w': _rebuild_tensor_v2(storage('0', FloatStorage, count), 0, (count,), (1,), False, OrderedDict())}</c>.</summary>
    public static byte[] StateDictPickle(long elementCount)
    {
        var p = new List<byte> { 0x80, 2, (byte)'}' };
        void Text(string s) { var b = Encoding.UTF8.GetBytes(s); p.Add((byte)'X'); p.AddRange(BitConverter.GetBytes(b.Length)); p.AddRange(b); }
        void Global(string module, string name) { p.Add((byte)'c'); p.AddRange(Encoding.ASCII.GetBytes($"{module}\n{name}\n")); }
        void Long(long n) { p.Add(0x8a); p.Add(8); p.AddRange(BitConverter.GetBytes(n)); }
        Text("w");
        Global("torch._utils", "_rebuild_tensor_v2");
        p.Add((byte)'(');
        p.Add((byte)'(');
        Text("storage"); Global("torch", "FloatStorage"); Text("0"); Text("cpu"); Long(elementCount);
        p.Add((byte)'t');
        p.Add((byte)'Q'); // BINPERSID: the storage
        Long(0); // storage offset
        Long(elementCount); p.Add(0x85); // size
        Long(1); p.Add(0x85); // stride
        p.Add(0x89); // requires_grad False
        Global("collections", "OrderedDict"); p.Add((byte)')'); p.Add((byte)'R');
        p.Add((byte)'t');
        p.Add((byte)'R');
        p.Add((byte)'s');
        p.Add((byte)'.');
        return [.. p];
    }

    /// <summary>A zip of <c>archive/data.pkl</c> and <c>archive/data/0</c> holding <paramref name="data"/>, each stored or deflated.</summary>
    public static byte[] Zip(byte[] pickle, byte[] data, bool deflatePickle = false, bool deflateData = false)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes, deflate) in new[] { ("archive/data.pkl", pickle, deflatePickle), ("archive/data/0", data, deflateData) })
            {
                using var entry = zip.CreateEntry(name, deflate ? CompressionLevel.Optimal : CompressionLevel.NoCompression).Open();
                entry.Write(bytes);
            }
        }
        return memory.ToArray();
    }

    /// <summary>Sets the uncompressed size the central directory gives record <paramref name="name"/> (what the reader believes).</summary>
    public static void PatchDeclaredSize(byte[] zip, string name, uint size)
    {
        var signature = new byte[] { 0x50, 0x4b, 0x01, 0x02 };
        var nameBytes = Encoding.UTF8.GetBytes(name);
        for (int at = 0; at + 46 <= zip.Length; at++)
        {
            if (!zip.AsSpan(at, 4).SequenceEqual(signature)) continue;
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 28));
            if (!zip.AsSpan(at + 46, nameLength).SequenceEqual(nameBytes)) continue;
            BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(at + 24), size);
            return;
        }
        throw new InvalidOperationException($"no central directory record {name}");
    }

    /// <summary>The zip method of record <paramref name="name"/> in the central directory (0 stored, 8 deflated).</summary>
    public static int Method(byte[] zip, string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        for (int at = 0; at + 46 <= zip.Length; at++)
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at)) == 0x02014b50
                && zip.AsSpan(at + 46, BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 28))).SequenceEqual(nameBytes))
                return BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 10));
        throw new InvalidOperationException($"no central directory record {name}");
    }
}
