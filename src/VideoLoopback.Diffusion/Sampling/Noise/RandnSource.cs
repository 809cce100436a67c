namespace VideoLoopback.Diffusion.Sampling.Noise;

/// <summary>WebUI's "Random number generator source" option (randn_source).</summary>
public enum RandnSource
{
    /// <summary>torch's CPU generator: the same numbers on every machine (then moved to the device).</summary>
    Cpu,

    /// <summary>The Philox4x32-10 + Box–Muller reproduction of torch.randn on CUDA, computed on any device.</summary>
    NV,

    /// <summary>The device's own generator (WebUI's default). On a CPU device this is the CPU source.</summary>
    Gpu,
}

public static class RandnSourceNames
{
    public static RandnSource Parse(string name) => name.Trim().ToUpperInvariant() switch
    {
        "CPU" => RandnSource.Cpu,
        "NV" => RandnSource.NV,
        "GPU" => RandnSource.Gpu,
        _ => throw new ArgumentException($"unknown RNG source '{name}'; expected CPU, GPU or NV", nameof(name)),
    };

    public static string ToWebUiName(this RandnSource source) => source switch
    {
        RandnSource.Cpu => "CPU",
        RandnSource.NV => "NV",
        _ => "GPU",
    };
}
