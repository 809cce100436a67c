using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>Vectors [n,C] that replace the token embeddings of batch row <paramref name="Row"/> from <paramref name="Position"/> on.</summary>
public sealed record TokenEmbeddingFix(int Row, int Position, Tensor Vectors);
