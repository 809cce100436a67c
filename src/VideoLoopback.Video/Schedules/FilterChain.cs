using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Video.Schedules;

/// <summary>One PIL ImageFilter application: the filter's name as PIL spells it (EDGE_ENHANCE, GaussianBlur, ...)
/// and its constructor arguments with PIL's defaults filled in (GaussianBlur → [2], UnsharpMask → [2, 150, 3]).</summary>
public sealed record FilterStep(string Name, double[] Args)
{
    public bool Equals(FilterStep? other) => other is not null && Name == other.Name && Args.AsSpan().SequenceEqual(other.Args);

    public override int GetHashCode() => HashCode.Combine(Name, Args.Length);

    public override string ToString() => Args.Length == 0 ? Name : $"{Name}({string.Join(", ", Args.Select(a => PythonFloat.Repr(a)))})";
}

/// <summary>
/// What an image_post_processing_schedule does to a frame: the filters applied in order, by name and arguments (the
/// imaging side builds each with <see cref="Imaging.ImageFilters.Create(string, double[])"/>).
/// <see cref="Identity"/> (no steps) is the lambda returning its argument unchanged.
/// </summary>
public sealed class FilterChain : IEquatable<FilterChain>
{
    public static readonly FilterChain Identity = new([]);

    public IReadOnlyList<FilterStep> Steps { get; }

    public FilterChain(IReadOnlyList<FilterStep> steps)
    {
        // Each img.filter(...) copies the chain: charged, so a lambda-amplified chain runs out of steps, not memory.
        EvaluationContext.ChargeItems(steps.Count);
        Steps = steps;
    }

    public bool IsIdentity => Steps.Count == 0;

    public FilterChain Then(FilterStep step) => new([.. Steps, step]);

    public bool Equals(FilterChain? other) => other is not null && Steps.SequenceEqual(other.Steps);

    public override bool Equals(object? obj) => Equals(obj as FilterChain);

    public override int GetHashCode() => Steps.Count;

    public override string ToString() => IsIdentity ? "img" : "img" + string.Concat(Steps.Select(s => $".filter({s})"));
}
