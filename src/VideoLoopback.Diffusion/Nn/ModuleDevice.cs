using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Nn;

/// <summary>
/// Where a network's parameters live and in which dtype they (and the activations) are computed.
/// The meta device builds a network with every name and shape but no storage.
/// </summary>
public sealed record ModuleDevice(Device Device, ScalarType DType)
{
    public static ModuleDevice Cpu { get; } = new(CPU, ScalarType.Float32);

    /// <summary>Shape-only construction: parameters exist with names and shapes, nothing is allocated.</summary>
    public static ModuleDevice Meta { get; } = new(new Device("meta"), ScalarType.Float32);
}
