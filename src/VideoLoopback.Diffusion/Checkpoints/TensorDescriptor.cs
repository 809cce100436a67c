using VideoLoopback.Diffusion.Safetensors;

namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>A tensor's name, shape and dtype without its data: all that layout detection looks at.</summary>
public sealed record TensorDescriptor(string Name, long[] Shape, SafetensorsDType DType)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    public string ShapeText => "[" + string.Join(",", Shape) + "]";

    public static TensorDescriptor From(SafetensorsEntry entry) => new(entry.Name, entry.Shape, entry.DType);
}
