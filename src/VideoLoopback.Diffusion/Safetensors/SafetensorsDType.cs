using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Safetensors;

/// <summary>The dtypes safetensors files use, with their sizes and torch equivalents.</summary>
public enum SafetensorsDType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL }

public static class SafetensorsDTypes
{
    public static bool TryParse(string name, out SafetensorsDType dtype) => name switch
    {
        "F64" => Set(SafetensorsDType.F64, out dtype),
        "F32" => Set(SafetensorsDType.F32, out dtype),
        "F16" => Set(SafetensorsDType.F16, out dtype),
        "BF16" => Set(SafetensorsDType.BF16, out dtype),
        "I64" => Set(SafetensorsDType.I64, out dtype),
        "I32" => Set(SafetensorsDType.I32, out dtype),
        "I16" => Set(SafetensorsDType.I16, out dtype),
        "I8" => Set(SafetensorsDType.I8, out dtype),
        "U8" => Set(SafetensorsDType.U8, out dtype),
        "BOOL" => Set(SafetensorsDType.BOOL, out dtype),
        _ => Set(default, out dtype, false),
    };

    private static bool Set(SafetensorsDType value, out SafetensorsDType dtype, bool ok = true)
    {
        dtype = value;
        return ok;
    }

    public static int ByteSize(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F64 or SafetensorsDType.I64 => 8,
        SafetensorsDType.F32 or SafetensorsDType.I32 => 4,
        SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.I16 => 2,
        _ => 1,
    };

    public static ScalarType ToScalarType(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F64 => ScalarType.Float64,
        SafetensorsDType.F32 => ScalarType.Float32,
        SafetensorsDType.F16 => ScalarType.Float16,
        SafetensorsDType.BF16 => ScalarType.BFloat16,
        SafetensorsDType.I64 => ScalarType.Int64,
        SafetensorsDType.I32 => ScalarType.Int32,
        SafetensorsDType.I16 => ScalarType.Int16,
        SafetensorsDType.I8 => ScalarType.Int8,
        SafetensorsDType.U8 => ScalarType.Byte,
        SafetensorsDType.BOOL => ScalarType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    public static SafetensorsDType FromScalarType(ScalarType type) => type switch
    {
        ScalarType.Float64 => SafetensorsDType.F64,
        ScalarType.Float32 => SafetensorsDType.F32,
        ScalarType.Float16 => SafetensorsDType.F16,
        ScalarType.BFloat16 => SafetensorsDType.BF16,
        ScalarType.Int64 => SafetensorsDType.I64,
        ScalarType.Int32 => SafetensorsDType.I32,
        ScalarType.Int16 => SafetensorsDType.I16,
        ScalarType.Int8 => SafetensorsDType.I8,
        ScalarType.Byte => SafetensorsDType.U8,
        ScalarType.Bool => SafetensorsDType.BOOL,
        _ => throw new ArgumentException($"safetensors cannot store dtype {type}", nameof(type)),
    };
}
