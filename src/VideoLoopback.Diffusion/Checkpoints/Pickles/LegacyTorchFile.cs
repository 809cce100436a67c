using System.Buffers.Binary;
using System.Numerics;

namespace VideoLoopback.Diffusion.Checkpoints.Pickles;

/// <summary>
/// PyTorch's serialization before 1.6 (and <c>torch.save(..., _use_new_zipfile_serialization=False)</c> since): four pickles
/// one after another (the magic number, the protocol version 1001, a dict describing the writer's machine, the saved object)
/// and a fifth with the list of storage keys; then, for each key in that order, the storage's element count as 8 bytes
/// little-endian and its raw data. Only the counts are read here; the data stays in the file to be mapped tensor by tensor.
/// </summary>
internal static class LegacyTorchFile
{
    private static readonly BigInteger MagicNumber = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);
    private const long ProtocolVersion = 1001;

    /// <summary>True when the file starts like a pickle (the PROTO opcode), as this format does.</summary>
    public static bool HasSignature(ReadOnlySpan<byte> start) => start.Length >= 2 && start[0] == 0x80 && start[1] is >= 2 and <= 5;

    /// <summary>Reads the saved object of <paramref name="file"/> and places every storage it refers to.</summary>
    public static (object? Root, StorageTable Storages) Read(Stream file)
    {
        file.Position = 0;
        var magic = PickleMachine.Load(file, NoStorages);
        if (!(magic is BigInteger big && big == MagicNumber))
            throw new PickleException("a pickle without PyTorch's magic number: not a file written by torch.save");
        var protocol = PickleMachine.Load(file, NoStorages);
        if (protocol is not ProtocolVersion)
            throw new PickleException($"PyTorch legacy protocol version {PickleMachine.Describe(protocol)} ({protocol}); expected {ProtocolVersion}");
        if (PickleMachine.Load(file, NoStorages) is PickleDict info && info.Get("little_endian") is false)
            throw new PickleException("written on a big-endian machine; only little-endian files are supported");

        var storages = new StorageTable();
        var root = PickleMachine.Load(file, storages.Resolve);
        if (PickleMachine.Load(file, NoStorages) is not List<object?> keys)
            throw new PickleException("malformed file: the storage key list after the saved object is missing");

        long offset = file.Position;
        var header = new byte[8];
        foreach (var item in keys)
        {
            var key = item as string ?? throw new PickleException($"malformed file: storage key {PickleMachine.Describe(item)}");
            if (!storages.ByKey.TryGetValue(key, out var storage))
                throw new PickleException($"malformed file: storage '{key}' is listed but no tensor refers to it");
            if (offset > file.Length - 8)
                throw new PickleException($"the file ends before the data of storage '{key}' (truncated)");
            file.Position = offset;
            file.ReadExactly(header);
            long count = BinaryPrimitives.ReadInt64LittleEndian(header);
            if (count != storage.ElementCount)
                throw new PickleException($"storage '{key}' is declared with {storage.ElementCount} elements but its data says {count}");
            storage.Locate(offset + 8, file.Length - offset - 8);
            offset += 8 + storage.ByteLength;
        }
        return (root, storages);
    }

    private static object? NoStorages(object? id) => throw new PickleException("malformed file: a storage reference outside the saved object");
}
