using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// Builds the vector an SDXL UNet takes through label_emb for each conditioning row: the row's pooled text embedding followed
/// by the embedded values of the family's other embedders, which are the same for every prompt row of a generation and for every
/// negative row (sgm GeneralConditioner concatenates the vector outputs in embedder order; base: pooled text, original size,
/// crop, target size; refiner: pooled text, original size, crop, aesthetic score, which WebUI sets lower for negative prompts).
/// </summary>
public sealed class VectorConditioning : IDisposable
{
    private readonly Tensor _positiveFeatures;
    private readonly Tensor _negativeFeatures;

    /// <summary>
    /// A vector embedding <paramref name="positiveValues"/> after the pooled text of prompt rows and
    /// <paramref name="negativeValues"/> after that of negative rows, each value with an equal share of the width left.
    /// </summary>
    /// <param name="vectorWidth">the UNet's label_emb input width (SDXL: 2816).</param>
    /// <param name="pooledWidth">the pooled text embedding's width (SDXL: 1280).</param>
    public VectorConditioning(float[] positiveValues, float[] negativeValues, long vectorWidth, long pooledWidth, Device device)
    {
        if (positiveValues.Length != negativeValues.Length || positiveValues.Length == 0)
            throw new ArgumentException("prompt and negative rows must embed the same number of values");
        int count = positiveValues.Length;
        long valuesWidth = vectorWidth - pooledWidth;
        if (valuesWidth <= 0 || valuesWidth % count != 0)
            throw new ArgumentException($"a {vectorWidth}-wide UNet vector cannot hold a {pooledWidth}-wide pooled embedding and {count} equal value embeddings");
        _positiveFeatures = SizeConditioning.Embed(positiveValues, valuesWidth / count, device);
        _negativeFeatures = SizeConditioning.Embed(negativeValues, valuesWidth / count, device);
    }

    /// <summary>Prompt rows: pooled [N,P] → vectors [N,P+nF] float32.</summary>
    public Tensor Rows(Tensor pooled) => Join(pooled, _positiveFeatures);

    /// <summary>Negative-prompt rows: pooled [N,P] → vectors [N,P+nF] float32.</summary>
    public Tensor NegativeRows(Tensor pooled) => Join(pooled, _negativeFeatures);

    private static Tensor Join(Tensor pooled, Tensor features)
    {
        using var scope = NewDisposeScope();
        var values = features.unsqueeze(0).expand(pooled.shape[0], -1);
        return cat([pooled.to(ScalarType.Float32), values], 1).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _positiveFeatures.Dispose();
        _negativeFeatures.Dispose();
    }
}
