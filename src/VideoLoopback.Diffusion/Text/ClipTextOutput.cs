using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// Everything the text model computes for one batch: <see cref="HiddenStates"/> (the embeddings, then each
/// layer's output, [B,T,C], before the final norm), <see cref="LastHiddenState"/> [B,T,C] (final-normed)
/// and <see cref="Pooled"/> [B,C].
/// </summary>
public sealed record ClipTextOutput(IReadOnlyList<Tensor> HiddenStates, Tensor LastHiddenState, Tensor Pooled) : IDisposable
{
    public void Dispose()
    {
        foreach (var h in HiddenStates) h.Dispose();
        LastHiddenState.Dispose();
        Pooled.Dispose();
    }
}
