using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>Token embedding plus learned position embedding: ids [B,T] -> [B,T,C].</summary>
internal sealed class ClipTextEmbeddings : nn.Module<Tensor, Tensor>
{
    private readonly ParameterHolder _tokens;     // weight [vocab,C]
    private readonly ParameterHolder _positions;  // weight [maxPositions,C]

    public ClipTextEmbeddings(string name, ClipWeights weights, string key, ClipTextConfig config) : base(name)
    {
        var tokens = weights.Parameter(key + ".token_embedding.weight", config.VocabularySize, config.HiddenSize);
        var positions = weights.Parameter(key + ".position_embedding.weight", config.MaxPositions, config.HiddenSize);
        // Registered under the checkpoint's names so state_dict keys equal the file's keys minus the prefix.
        _tokens = new ParameterHolder("token_embedding", tokens);
        _positions = new ParameterHolder("position_embedding", positions);
        register_module("token_embedding", _tokens);
        register_module("position_embedding", _positions);
    }

    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        long b = inputIds.shape[0], t = inputIds.shape[1];
        var tokens = _tokens.Weight.index_select(0, inputIds.reshape(-1)).view(b, t, -1);
        return (tokens + _positions.Weight.narrow(0, 0, t).unsqueeze(0)).MoveToOuterDisposeScope();
    }

    /// <summary>A module holding one "weight" parameter, to keep the checkpoint's key names.</summary>
    private sealed class ParameterHolder : nn.Module
    {
        private readonly Tensor _weight;

        public ParameterHolder(string name, TorchSharp.Modules.Parameter weight) : base(name)
        {
            register_parameter("weight", weight);
            _weight = weight;
        }

        public Tensor Weight => _weight;
    }
}
