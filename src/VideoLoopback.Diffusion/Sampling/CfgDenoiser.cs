using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// Classifier-free guidance over a batch, laid out like WebUI's CFGDenoiser: the model batch is each
/// image's x repeated once per AND-subprompt, followed by all images again for the negative prompts;
/// one model call when cond and uncond have the same token length, else the cond rows (in chunks of
/// 2B) and the uncond rows separately. Then
/// denoised[i] = uncond[i] + Σ_(row, w) (out[row] − uncond[i])·w·cfg_scale. For inpainting the
/// result is blended with the initial latent after guidance (k-diffusion) or x before it (DDIM).
/// </summary>
/// <param name="model">inner model: (x [N,C,H,W], sigma or timestep [N], the rows' conditioning) → [N,C,H,W].</param>
public sealed class CfgDenoiser(ConditionedModel model, ConditioningAtStep conditioning, double cfgScale) : IGuidanceOutputs, IDisposable
{
    /// <summary>Denoiser calls made so far (WebUI's self.step; second-order samplers advance it twice per step).</summary>
    public int Step { get; private set; }

    /// <summary>Image conditioning per image [B,…] (inpainting models; zeros [B,5,1,1] otherwise), or null.</summary>
    public Tensor? ImageConditioning { get; init; }

    /// <summary>Inpainting: latent to keep where <see cref="Mask"/> is 1 ([B or 1,C,h,w]); <see cref="NMask"/> = 1 − mask.</summary>
    public Tensor? InitLatent { get; init; }
    public Tensor? Mask { get; init; }
    public Tensor? NMask { get; init; }

    /// <summary>Blend x before calling the model instead of blending the result (WebUI does this for DDIM).</summary>
    public bool MaskBeforeDenoising { get; init; }

    public double CondScaleMultiplier { get; set; } = 1.0;

    public bool KeepUnconditionalOutput { get; set; }

    public Tensor? LastUnconditionalOutput { get; private set; }

    /// <summary>Number of model calls and their batch sizes, for diagnostics.</summary>
    public List<int> ModelBatchSizes { get; } = [];

    public Tensor Denoise(Tensor x, Tensor sigma)
    {
        using var scope = NewDisposeScope();
        var c = conditioning(Step);
        int batch = c.BatchSize;
        if (x.shape[0] != batch)
            throw new ArgumentException($"latent batch {x.shape[0]} does not match the conditioning batch {batch}");
        if (MaskBeforeDenoising && Mask is not null) x = Blend(x);

        var rowsOfImage = new List<long>();
        for (int i = 0; i < batch; i++) rowsOfImage.AddRange(Enumerable.Repeat((long)i, c.CondsList[i].Count));
        using var condIndex = tensor(rowsOfImage.ToArray(), device: x.device);
        var xIn = cat([x.index_select(0, condIndex), x]);
        var sigmaIn = cat([sigma.index_select(0, condIndex), sigma]);
        Tensor? imageIn = ImageConditioning is null ? null : cat([ImageConditioning.index_select(0, condIndex), ImageConditioning]);
        long condRows = rowsOfImage.Count;
        var imageOfRow = cat([condIndex, arange(batch, ScalarType.Int64, x.device)]);
        var isPositive = cat([ones(condRows, ScalarType.Float32, x.device), zeros(batch, ScalarType.Float32, x.device)]);
        var rows = new ModelConditioning(c.Cond, imageIn, imageOfRow, isPositive); // text and vector rows set per call below
        if ((c.CondVector is null) != (c.UncondVector is null))
            throw new ArgumentException("the prompts and negative prompts must both have vector conditioning or both not");

        Tensor output;
        if (c.Cond.shape[1] == c.Uncond.shape[1])
        {
            ModelBatchSizes.Add((int)xIn.shape[0]);
            var vector = c.CondVector is null ? null : cat([c.CondVector, c.UncondVector!]);
            output = model(xIn, sigmaIn, rows with { Text = cat([c.Cond, c.Uncond]), Vector = vector });
        }
        else
        {
            var parts = new List<Tensor>();
            int chunk = batch * 2;
            for (long a = 0; a < condRows; a += chunk)
            {
                long b = Math.Min(a + chunk, condRows);
                ModelBatchSizes.Add((int)(b - a));
                parts.Add(model(xIn.narrow(0, a, b - a), sigmaIn.narrow(0, a, b - a), rows.Rows(a, b - a, c.Cond.narrow(0, a, b - a), c.CondVector?.narrow(0, a, b - a))));
            }
            ModelBatchSizes.Add(batch);
            parts.Add(model(xIn.narrow(0, condRows, batch), sigmaIn.narrow(0, condRows, batch), rows.Rows(condRows, batch, c.Uncond, c.UncondVector)));
            output = cat(parts);
        }

        var uncondOut = output.narrow(0, condRows, batch);
        if (KeepUnconditionalOutput)
        {
            LastUnconditionalOutput?.Dispose();
            LastUnconditionalOutput = uncondOut.clone().DetachFromDisposeScope();
        }
        double scale = cfgScale * CondScaleMultiplier;
        var images = new List<Tensor>();
        for (int i = 0; i < batch; i++)
        {
            var denoised = uncondOut[i];
            foreach (var (row, weight) in c.CondsList[i])
                denoised = denoised + (output[row] - uncondOut[i]) * (weight * scale);
            images.Add(denoised);
        }
        var result = stack(images);
        if (!MaskBeforeDenoising && Mask is not null) result = Blend(result);
        Step++;
        return result.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        LastUnconditionalOutput?.Dispose();
        LastUnconditionalOutput = null;
    }

    private Tensor Blend(Tensor latent) => latent * NMask! + InitLatent! * Mask!;
}
