using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// The inner model of a guided sampler: (x [N,C,h,w], noise level [N] (sigma, continuous or integer timestep), conditioning) → [N,C,h,w].
/// </summary>
public delegate Tensor ConditionedModel(Tensor x, Tensor noiseLevel, ModelConditioning conditioning);

/// <summary>
/// What one model call of a CFG batch gets besides x and the noise level: the text rows, the image-conditioning rows, and how
/// the rows map back to the images, so per-image extras (ControlNet hints, their positive-row marks) follow the CFG layout.
/// </summary>
/// <param name="Text">[N,T,D] text conditioning rows.</param>
/// <param name="Image">Image conditioning rows (inpainting models [N,5,h,w]) or null.</param>
/// <param name="ImageOfRow">[N] int64: the image (0..B-1) each row belongs to.</param>
/// <param name="IsPositive">[N] float32: 1 for a positive-prompt row, 0 for a negative-prompt row.</param>
/// <param name="Vector">[N,V] the UNet's vector conditioning (SDXL's label_emb input: pooled text and size embeddings), or null.</param>
public sealed record ModelConditioning(Tensor Text, Tensor? Image, Tensor ImageOfRow, Tensor IsPositive, Tensor? Vector = null)
{
    /// <summary>Rows of a single-image call with every row positive (plain, unguided use and tests).</summary>
    public static ModelConditioning Positive(Tensor text, Tensor? image = null, Tensor? vector = null)
    {
        long n = text.shape[0];
        return new ModelConditioning(text, image, arange(n, ScalarType.Int64, text.device), ones(n, ScalarType.Float32, text.device), vector);
    }

    /// <summary>Rows [start, start+length) with <paramref name="text"/> and <paramref name="vector"/> as their text and vector rows.</summary>
    public ModelConditioning Rows(long start, long length, Tensor text, Tensor? vector) =>
        new(text, Image?.narrow(0, start, length), ImageOfRow.narrow(0, start, length), IsPositive.narrow(0, start, length), vector);
}
