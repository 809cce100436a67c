namespace VideoLoopback.Video.Schedules;

/// <summary>
/// A batch_count_schedule result. The original sets <c>p.n_iter, p.batch_size</c> from a tuple and only
/// <c>p.n_iter</c> from anything else, so <see cref="BatchSize"/> is null when the current batch size stays.
/// </summary>
public readonly record struct BatchCount(long Count, long? BatchSize);
