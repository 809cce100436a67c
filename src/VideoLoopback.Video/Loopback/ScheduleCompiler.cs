using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// Turns a schedule expression into something evaluable at (image_i, loop_i). Results are .NET values:
/// long, double, bool, string, <see cref="IReadOnlyList{T}"/> of values (Python list), <see cref="ScheduleTuple"/>,
/// or <see cref="FramePostProcessor"/> (an image_post_processing lambda).
/// </summary>
public interface IScheduleCompiler
{
    /// <summary>Parses <paramref name="expression"/>; a syntax error throws <see cref="JobException"/> naming <paramref name="name"/> and the column.</summary>
    ICompiledSchedule Compile(string name, string expression);
}

public interface ICompiledSchedule
{
    object? Evaluate(int imageI, int loopI);
}

/// <summary>A Python tuple result (batch_count_schedule's <c>(n_iter, batch_size)</c>).</summary>
public sealed record ScheduleTuple(IReadOnlyList<object?> Items);

/// <summary>An image_post_processing lambda: takes an RGB(A) frame <c>[C,H,W]</c> uint8 and returns the processed frame.</summary>
public delegate Tensor FramePostProcessor(Tensor frame);
