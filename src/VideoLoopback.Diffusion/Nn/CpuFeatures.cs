namespace VideoLoopback.Diffusion.Nn;

/// <summary>What the CPU offers for reduced-precision compute, read from the kernel's <c>/proc/cpuinfo</c> flags.</summary>
public static class CpuFeatures
{
    private static readonly Lazy<HashSet<string>> Flags = new(() => ParseFlags(ReadCpuInfo()));

    /// <summary>
    /// bfloat16 dot products in hardware: x86 <c>avx512_bf16</c> or <c>amx_bf16</c>, ARM <c>bf16</c>. Without them libtorch
    /// converts every bfloat16 operand to float32 in software, which is slower than computing in float32.
    /// </summary>
    public static bool HasBFloat16 => HasBFloat16In(Flags.Value);

    public static bool HasBFloat16In(IReadOnlySet<string> flags) =>
        flags.Contains("avx512_bf16") || flags.Contains("amx_bf16") || flags.Contains("bf16");

    /// <summary>The union of the <c>flags</c> (x86) and <c>Features</c> (ARM) lines of a cpuinfo text.</summary>
    public static HashSet<string> ParseFlags(string cpuinfo)
    {
        var flags = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in cpuinfo.Split('\n'))
        {
            int colon = line.IndexOf(':');
            if (colon < 0) continue;
            var key = line[..colon].Trim();
            if (key is "flags" or "Features")
                flags.UnionWith(line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
        return flags;
    }

    private static string ReadCpuInfo()
    {
        try { return File.ReadAllText("/proc/cpuinfo"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }
    }
}
