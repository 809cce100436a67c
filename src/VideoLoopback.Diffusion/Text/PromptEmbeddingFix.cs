namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// Where a textual-inversion embedding goes in a chunk: its vectors replace the token embeddings from
/// <paramref name="Position"/> on (an index into the 77 tokens, the start token being 0).
/// </summary>
public sealed record PromptEmbeddingFix(int Position, TextualInversionEmbedding Embedding);
