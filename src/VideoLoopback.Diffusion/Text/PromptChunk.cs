namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// One 77-token window of a prompt as the text encoder sees it: start token, 75 prompt tokens (padded with
/// the end token), end token; <see cref="Multipliers"/> holds each token's attention weight (1 for the
/// start/end/padding tokens). Positions taken by a textual-inversion embedding hold token 0 and are listed in
/// <see cref="Fixes"/>.
/// </summary>
public sealed record PromptChunk(int[] Tokens, double[] Multipliers)
{
    /// <summary>The embeddings whose vectors replace token embeddings in this chunk, in prompt order.</summary>
    public IReadOnlyList<PromptEmbeddingFix> Fixes { get; init; } = [];

    /// <summary>Prompt tokens per chunk; with the start and end token a chunk is 77 long.</summary>
    public const int Length = 75;
    public const int PaddedLength = Length + 2;

    /// <summary>The chunk WebUI encodes for prompts with fewer chunks than others in the same batch.</summary>
    public static PromptChunk Empty()
    {
        var tokens = new int[PaddedLength];
        Array.Fill(tokens, ClipTokenizer.EosId);
        tokens[0] = ClipTokenizer.BosId;
        var multipliers = new double[PaddedLength];
        Array.Fill(multipliers, 1.0);
        return new PromptChunk(tokens, multipliers);
    }
}
