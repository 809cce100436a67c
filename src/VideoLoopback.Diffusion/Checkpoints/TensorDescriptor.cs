using VideoLoopback.Diffusion.Safetensors;

namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>A tensor's name, shape and dtype without its data: all that layout detection looks at.</summary>
public sealed record TensorDescriptor(string Name, long[] Shape, SafetensorsDType DType)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    public static TensorDescriptor From(SafetensorsEntry entry) => new(entry.Name, entry.Shape, entry.DType);

    /// <summary>A tensor already in memory (a pickled state dict's) under <paramref name="name"/>.</summary>
    public static TensorDescriptor From(string name, TorchSharp.torch.Tensor tensor) =>
        new(name, tensor.shape, SafetensorsDTypes.FromScalarType(tensor.dtype));
}
