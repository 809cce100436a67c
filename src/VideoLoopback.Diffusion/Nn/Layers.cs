using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Nn;

/// <summary>Factories for the plain layers, created directly in the network's dtype and on its device.</summary>
public static class Layers
{
    public static Conv2d Conv(long inChannels, long outChannels, long kernel, ModuleDevice on, long stride = 1, long padding = 0,
        long groups = 1, bool bias = true) =>
        nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: padding, groups: groups, bias: bias,
            device: on.Device, dtype: on.DType);

    public static Linear Linear(long inFeatures, long outFeatures, ModuleDevice on, bool bias = true) =>
        nn.Linear(inFeatures, outFeatures, hasBias: bias, device: on.Device, dtype: on.DType);

    /// <summary>Statistics in float32 whatever the dtype (<see cref="LayerNorm32"/>).</summary>
    public static LayerNorm32 LayerNorm(long features, ModuleDevice on, double eps = 1e-5) => new(features, on, eps);

    public static Embedding Embedding(long count, long width, ModuleDevice on) =>
        nn.Embedding(count, width, device: on.Device, dtype: on.DType);

    /// <summary>BatchNorm2d with running statistics (buffers <c>running_mean</c>, <c>running_var</c>, bound like parameters).</summary>
    public static BatchNorm2d BatchNorm(long channels, ModuleDevice on) =>
        nn.BatchNorm2d(channels, device: on.Device, dtype: on.DType);
}
