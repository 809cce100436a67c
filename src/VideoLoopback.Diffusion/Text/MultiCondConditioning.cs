using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// Encoded composable prompts for a batch (WebUI's MulticondLearnedConditioning): per image, its AND parts
/// as (schedule, weight).
/// </summary>
public sealed class MultiCondConditioning(IReadOnlyList<IReadOnlyList<(PromptSchedule Schedule, double Weight)>> batch)
{
    public IReadOnlyList<IReadOnlyList<(PromptSchedule Schedule, double Weight)>> Batch { get; } = batch;

    /// <summary>
    /// WebUI's reconstruct_multicond_batch: every part of every image at <paramref name="step"/>, stacked
    /// [N,T,C] in image order, and per image the (row in that tensor, weight) of its parts, which is what the
    /// CFG combination needs; with their pooled embeddings [N,P] stacked alike where the family has them (SDXL).
    /// </summary>
    public (IReadOnlyList<IReadOnlyList<(int Row, double Weight)>> CondsList, Tensor Stacked, Tensor? Pooled) At(int step)
    {
        var entries = new List<ScheduledConditioning>();
        var tensors = new List<Tensor>();
        var condsList = new List<IReadOnlyList<(int, double)>>();
        foreach (var parts in Batch)
        {
            var rows = new List<(int, double)>();
            foreach (var (schedule, weight) in parts)
            {
                rows.Add((tensors.Count, weight));
                var entry = schedule.EntryAt(step);
                entries.Add(entry);
                tensors.Add(entry.Cond);
            }
            condsList.Add(rows);
        }
        return (condsList, PromptSchedule.StackPadded(tensors), PromptSchedule.StackPooled(entries));
    }
}
