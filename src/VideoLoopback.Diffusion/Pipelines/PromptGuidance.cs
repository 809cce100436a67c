using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>Connects the encoded prompts to the CFG denoiser: each denoiser call gets the prompts' conditioning at its step.</summary>
public static class PromptGuidance
{
    /// <summary>
    /// The positive prompts (AND parts and weights, scheduled) and one negative prompt schedule per
    /// image, as WebUI's reconstruct_multicond_batch / reconstruct_cond_batch do at each step.
    /// </summary>
    public static ConditioningAtStep From(MultiCondConditioning prompts, IReadOnlyList<PromptSchedule> negativePrompts)
    {
        if (prompts.Batch.Count != negativePrompts.Count)
            throw new ArgumentException($"{prompts.Batch.Count} prompts but {negativePrompts.Count} negative prompts; one of each per image is needed");
        return step =>
        {
            var (condsList, stacked) = prompts.At(step);
            return new CfgConditioning(stacked, condsList, PromptSchedule.Batch(negativePrompts, step));
        };
    }
}
