using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>Connects the encoded prompts to the CFG denoiser: each denoiser call gets the prompts' conditioning at its step.</summary>
public static class PromptGuidance
{
    /// <summary>
    /// The positive prompts (AND parts and weights, scheduled) and one negative prompt schedule per
    /// image, as WebUI's reconstruct_multicond_batch / reconstruct_cond_batch do at each step. With <paramref name="vectors"/>
    /// (SDXL) every row also gets its UNet vector from its pooled text embedding (negative rows their own values: the refiner's
    /// lower aesthetic score).
    /// </summary>
    public static ConditioningAtStep From(MultiCondConditioning prompts, IReadOnlyList<PromptSchedule> negativePrompts,
        VectorConditioning? vectors = null)
    {
        if (prompts.Batch.Count != negativePrompts.Count)
            throw new ArgumentException($"{prompts.Batch.Count} prompts but {negativePrompts.Count} negative prompts; one of each per image is needed");
        return step =>
        {
            var (condsList, stacked, pooled) = prompts.At(step);
            var uncond = PromptSchedule.Batch(negativePrompts, step);
            if (vectors is null) return new CfgConditioning(stacked, condsList, uncond);
            var negativePooled = PromptSchedule.PooledBatch(negativePrompts, step);
            if (pooled is null || negativePooled is null)
                throw new InvalidOperationException("the UNet takes a vector but the text model gave no pooled embedding");
            return new CfgConditioning(stacked, condsList, uncond, vectors.Rows(pooled), vectors.NegativeRows(negativePooled));
        };
    }
}
