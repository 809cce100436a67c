using VideoLoopback.Diffusion.Safetensors;

namespace VideoLoopback.Diffusion.Checkpoints.Pickles;

/// <summary>A <c>torch.*Storage</c> class named in a persistent id: all it says is the element type.</summary>
internal sealed record TorchStorageType(string Name, SafetensorsDType DType)
{
    private static readonly Dictionary<string, SafetensorsDType> ByName = new(StringComparer.Ordinal)
    {
        ["DoubleStorage"] = SafetensorsDType.F64,
        ["FloatStorage"] = SafetensorsDType.F32,
        ["HalfStorage"] = SafetensorsDType.F16,
        ["BFloat16Storage"] = SafetensorsDType.BF16,
        ["LongStorage"] = SafetensorsDType.I64,
        ["IntStorage"] = SafetensorsDType.I32,
        ["ShortStorage"] = SafetensorsDType.I16,
        ["CharStorage"] = SafetensorsDType.I8,
        ["ByteStorage"] = SafetensorsDType.U8,
        ["UntypedStorage"] = SafetensorsDType.U8,
        ["BoolStorage"] = SafetensorsDType.BOOL,
    };

    /// <summary>The storage class <c>torch.<paramref name="name"/></c>, or null when the name is not a storage class we can read.</summary>
    public static TorchStorageType? Find(string name) => ByName.TryGetValue(name, out var dtype) ? new TorchStorageType(name, dtype) : null;

    public static bool IsStorageName(string name) => name.EndsWith("Storage", StringComparison.Ordinal);
}
