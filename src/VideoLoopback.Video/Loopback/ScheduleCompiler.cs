using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>Turns a schedule expression into something evaluable at (image_i, loop_i), 1-based.</summary>
public interface IScheduleCompiler
{
    /// <summary>Parses <paramref name="expression"/>; a syntax error throws <see cref="JobException"/> naming <paramref name="name"/> and the column.</summary>
    ICompiledSchedule Compile(string name, string expression);
}

/// <summary>
/// A parsed schedule, read as the parameter it sets needs it. A value of the wrong type, or an error while evaluating,
/// throws <see cref="JobException"/> naming the schedule.
/// </summary>
public interface ICompiledSchedule
{
    double AsDouble(int imageI, int loopI);

    long AsInt(int imageI, int loopI);

    string AsString(int imageI, int loopI);

    IReadOnlyList<double> AsDoubleList(int imageI, int loopI);

    /// <summary>batch_count_schedule: a tuple sets (n_iter, batch_size); anything else sets n_iter only (BatchSize null).</summary>
    (long Count, long? BatchSize) AsBatchCount(int imageI, int loopI);

    /// <summary>image_post_processing_schedule: the lambda as a frame operation, or null when it returns the frame unchanged.</summary>
    FramePostProcessor? AsPostProcessor(int imageI, int loopI);
}

/// <summary>An image_post_processing lambda: takes an RGB(A) frame <c>[C,H,W]</c> uint8 and returns the processed frame.</summary>
public delegate Tensor FramePostProcessor(Tensor frame);
