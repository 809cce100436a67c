using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// The encoded conditioning of one prompt over the sampling steps. The tensors belong to the
/// <see cref="PromptConditioner"/> that made them (its cache) and live until it is disposed or cleared.
/// </summary>
public sealed class PromptSchedule(IReadOnlyList<ScheduledConditioning> entries)
{
    public IReadOnlyList<ScheduledConditioning> Entries { get; } = entries;

    /// <summary>
    /// The conditioning [77k,C] for <paramref name="step"/> (WebUI counts denoiser calls from 0): the first
    /// entry whose end step is not before it; past the last end step WebUI falls back to the first entry.
    /// </summary>
    public Tensor At(int step) => EntryAt(step).Cond;

    /// <summary>The schedule entry in force at <paramref name="step"/> (see <see cref="At"/>).</summary>
    public ScheduledConditioning EntryAt(int step)
    {
        foreach (var entry in Entries)
            if (step <= entry.EndAtStep) return entry;
        return Entries[0];
    }

    /// <summary>
    /// WebUI's reconstruct_cond_batch: the conditioning of every prompt at <paramref name="step"/>, stacked
    /// [B,T,C]; shorter ones are padded by repeating their last vector up to the longest.
    /// </summary>
    public static Tensor Batch(IReadOnlyList<PromptSchedule> schedules, int step) =>
        StackPadded(schedules.Select(s => s.At(step)).ToList());

    /// <summary>The pooled embeddings [B,P] of every prompt at <paramref name="step"/>, or null when the family has none.</summary>
    public static Tensor? PooledBatch(IReadOnlyList<PromptSchedule> schedules, int step) =>
        StackPooled(schedules.Select(s => s.EntryAt(step)).ToList());

    /// <summary>[P] pooled embeddings -> [B,P]; null when the entries have none (all or none do: one text model made them).</summary>
    public static Tensor? StackPooled(IReadOnlyList<ScheduledConditioning> entries)
    {
        if (entries.Count == 0 || entries[0].Pooled is null) return null;
        return stack(entries.Select(e => e.Pooled ?? throw new ArgumentException("some prompts have a pooled embedding and some not")).ToArray());
    }

    /// <summary>WebUI's stack_conds: [T_i,C] tensors -> [B,max T,C], padding with each one's last vector.</summary>
    public static Tensor StackPadded(IReadOnlyList<Tensor> conds)
    {
        if (conds.Count == 0) throw new ArgumentException("no conditioning to stack", nameof(conds));
        using var scope = NewDisposeScope();
        long tokens = conds.Max(c => c.shape[0]);
        var padded = conds.Select(c => c.shape[0] == tokens
            ? c
            : cat([c, c[^1..].expand(tokens - c.shape[0], c.shape[1])], 0)).ToArray();
        return stack(padded).MoveToOuterDisposeScope();
    }
}
