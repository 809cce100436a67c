using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// Token embedding plus learned position embedding: ids [B,T] -> [B,T,C]. Textual-inversion vectors, where given, replace
/// the token embeddings at their positions before the positions are added (WebUI's EmbeddingsWithFixes).
/// </summary>
internal sealed class ClipTextEmbeddings : nn.Module<Tensor, Tensor>
{
    private readonly Embedding _tokens;     // weight [vocab,C]
    private readonly Embedding _positions;  // weight [maxPositions,C]

    public ClipTextEmbeddings(ClipTextConfig config, ModuleDevice on) : base(nameof(ClipTextEmbeddings))
    {
        (_tokens, _positions) = (Layers.Embedding(config.VocabularySize, config.HiddenSize, on), Layers.Embedding(config.MaxPositions, config.HiddenSize, on));
        register_module("token_embedding", _tokens);
        register_module("position_embedding", _positions);
    }

    public override Tensor forward(Tensor inputIds) => forward(inputIds, []);

    public Tensor forward(Tensor inputIds, IReadOnlyList<TokenEmbeddingFix> fixes)
    {
        using var scope = NewDisposeScope();
        long b = inputIds.shape[0], t = inputIds.shape[1];
        var tokens = _tokens.weight!.index_select(0, inputIds.reshape(-1)).view(b, t, -1);
        foreach (var fix in fixes)
        {
            // As WebUI: the vectors run at most up to the position before the last (the end token stays).
            long count = Math.Min(t - fix.Position, fix.Vectors.shape[0]);
            if (count <= 0) continue;
            tokens[fix.Row].narrow(0, fix.Position, count).copy_(fix.Vectors.narrow(0, 0, count));
        }
        return (tokens + _positions.weight!.narrow(0, 0, t).unsqueeze(0)).MoveToOuterDisposeScope();
    }
}
