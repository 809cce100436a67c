using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Nn;

/// <summary>
/// The compute dtypes a user may choose (<c>--dtype fp32|bf16|fp16</c>): the networks' weights and activations are held
/// in it, while norms, attention softmax, the timestep embedding and the sampler stay float32 (latents are float32
/// between steps; the UNet casts its input and output).
/// </summary>
public static class ComputePrecision
{
    public static readonly string[] OptionNames = ["fp32", "bf16", "fp16"];

    /// <summary>"fp32", "bf16", "fp16" (or the long names a resume record holds) -> the dtype; anything else throws.</summary>
    public static ScalarType Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" => ScalarType.Float32,
        "bf16" or "bfloat16" => ScalarType.BFloat16,
        "fp16" or "float16" or "half" => ScalarType.Float16,
        _ => throw new ArgumentException($"'{name}' is unknown, expected one of: {string.Join(", ", OptionNames)}"),
    };

    /// <summary>The option's name of a compute dtype: fp32, bf16 or fp16.</summary>
    public static string OptionName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "fp32",
        ScalarType.BFloat16 => "bf16",
        ScalarType.Float16 => "fp16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a compute dtype"),
    };

    /// <summary>The name a resume record keeps: float32, bfloat16 or float16.</summary>
    public static string RecordName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a compute dtype"),
    };

    /// <summary>float32 on the CPU, so renders stay faithful to the reference; float16 on a GPU, as WebUI computes.</summary>
    public static ScalarType DefaultFor(Device device) => device.type == TorchSharp.DeviceType.CPU ? ScalarType.Float32 : ScalarType.Float16;

    /// <summary>
    /// Why <paramref name="dtype"/> cannot be used on <paramref name="device"/>, or null. bfloat16 on a CPU without bfloat16
    /// instructions is refused: libtorch would emulate it, slower than float32 and less exact, so it has no use there.
    /// float16 on a CPU is allowed (it is slow; it reproduces a GPU's precision).
    /// </summary>
    public static string? Unsupported(ScalarType dtype, Device device, bool cpuHasBFloat16) =>
        dtype == ScalarType.BFloat16 && device.type == TorchSharp.DeviceType.CPU && !cpuHasBFloat16
            ? "bf16 needs a CPU with bfloat16 instructions (avx512_bf16 or amx_bf16 in /proc/cpuinfo); this one has none, so bf16 would be emulated, slower than fp32; use fp32"
            : null;

    /// <summary>Parses <paramref name="option"/> (null: the device's default) and checks it fits the device.</summary>
    public static ScalarType Resolve(string? option, Device device)
    {
        var dtype = option is null ? DefaultFor(device) : Parse(option);
        if (Unsupported(dtype, device, CpuFeatures.HasBFloat16) is { } why) throw new ArgumentException(why);
        return dtype;
    }
}
