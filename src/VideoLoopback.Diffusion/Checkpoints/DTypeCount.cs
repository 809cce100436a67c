using VideoLoopback.Diffusion.Safetensors;

namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>How many tensors and values a file stores in one dtype.</summary>
public sealed record DTypeCount(SafetensorsDType DType, int Tensors, long Parameters);
