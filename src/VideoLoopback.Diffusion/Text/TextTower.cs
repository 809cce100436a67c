namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// One text encoder of a model's conditioning, as WebUI runs each as its own FrozenCLIPEmbedderWithCustomWords: its model,
/// the tokenizer prompts are split with, the id after a chunk's first end token (<paramref name="PadId"/>: CLIP's end token,
/// OpenCLIP's 0), the layer read (<paramref name="LayerFromEnd"/>, counted as clip skip is: 1 = the last), whether that layer
/// passes through the final layer norm, whether the tower also yields the pooled output, and which part of a
/// textual-inversion file it takes (<see cref="TextualInversionPart.Key"/>; null = the file's single tensor).
/// </summary>
public sealed record TextTower(ClipTextModel Model, ClipTokenizer Tokenizer, int PadId, int LayerFromEnd, bool FinalNorm = true,
    bool YieldsPooled = false, string? EmbeddingKey = null)
{
    /// <summary>The width of the tower's rows in the conditioning.</summary>
    public int Width => Model.Config.HiddenSize;
}
