using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// Builds the vector an SDXL UNet takes through label_emb for each conditioning row: the row's pooled text embedding followed
/// by the size embedding, which is the same for every row of a generation (sgm GeneralConditioner concatenates the vector
/// outputs in embedder order: pooled text, original size, crop, target size).
/// </summary>
public sealed class VectorConditioning : IDisposable
{
    private readonly Tensor _sizeFeatures;

    /// <param name="vectorWidth">the UNet's label_emb input width (SDXL: 2816).</param>
    /// <param name="pooledWidth">the pooled text embedding's width (SDXL: 1280).</param>
    public VectorConditioning(SizeConditioning size, long vectorWidth, long pooledWidth, Device device)
    {
        long sizeWidth = vectorWidth - pooledWidth;
        if (sizeWidth <= 0 || sizeWidth % 6 != 0)
            throw new ArgumentException($"a {vectorWidth}-wide UNet vector cannot hold a {pooledWidth}-wide pooled embedding and six equal size embeddings");
        Size = size;
        _sizeFeatures = size.Embed(sizeWidth / 6, device);
    }

    public SizeConditioning Size { get; }

    /// <summary>pooled [N,P] → vectors [N,P+6F] float32.</summary>
    public Tensor Rows(Tensor pooled)
    {
        using var scope = NewDisposeScope();
        var sizes = _sizeFeatures.unsqueeze(0).expand(pooled.shape[0], -1);
        return cat([pooled.to(ScalarType.Float32), sizes], 1).MoveToOuterDisposeScope();
    }

    public void Dispose() => _sizeFeatures.Dispose();
}
