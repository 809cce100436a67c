using System.Numerics;

namespace VideoLoopback.Video.Schedules;

/// <summary>
/// One schedule: a Python expression of image_i and loop_i (both 1-based), parsed once and evaluated per frame,
/// exactly as the original extension's <c>eval(expr, schedule_args)</c> would, but only over a safe subset:
/// no imports, no attribute access beyond ImageFilter.&lt;filter&gt; and img.filter, no dunder names, bounded work.
/// </summary>
public sealed class Schedule
{
    private readonly Node _root;

    /// <summary>The schedule's name as the original spells it (e.g. <c>denoising_schedule</c>); every error message starts with it.</summary>
    public string Name { get; }

    public string Expression { get; }

    private Schedule(string name, string expression, Node root)
    {
        Name = name;
        Expression = expression;
        _root = root;
    }

    /// <summary>Parses <paramref name="expression"/>; a syntax error throws <see cref="ScheduleSyntaxException"/> naming the schedule and the 1-based column.</summary>
    public static Schedule Parse(string name, string expression)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(expression);
        try
        {
            return new Schedule(name, expression, ScheduleParser.Parse(expression));
        }
        catch (SyntaxError error)
        {
            var (line, column) = LineAndColumn(expression, error.Position);
            throw new ScheduleSyntaxException(name, line, column, error.Message);
        }
    }

    /// <summary>Like the original (<c>if schedule:</c>), an empty or null expression means "no schedule": returns null.</summary>
    public static Schedule? ParseOptional(string name, string? expression) =>
        string.IsNullOrEmpty(expression) ? null : Parse(name, expression);

    private static (int Line, int Column) LineAndColumn(string text, int position)
    {
        position = Math.Clamp(position, 0, text.Length);
        int line = 1, lineStart = 0;
        for (int i = 0; i < position; i++)
        {
            if (text[i] == '\n') { line++; lineStart = i + 1; }
        }
        return (line, position - lineStart + 1);
    }

    /// <summary>The Python value of the expression for one frame; runtime errors throw <see cref="ScheduleEvaluationException"/>.</summary>
    public ScheduleValue Evaluate(int imageI, int loopI) => Guard(imageI, loopI, () =>
    {
        var context = new EvaluationContext(imageI, loopI);
        using (context.Activate()) return _root.Evaluate(context, null);
    });

    private T Guard<T>(int imageI, int loopI, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (PythonError error)
        {
            throw new ScheduleEvaluationException(Name, imageI, loopI, error.Message);
        }
        catch (InvalidOperationException error) when (error.InnerException is PythonError inner)
        {
            // Sorting wraps the comparer's exception.
            throw new ScheduleEvaluationException(Name, imageI, loopI, inner.Message);
        }
        catch (InsufficientExecutionStackException)
        {
            throw new ScheduleEvaluationException(Name, imageI, loopI, PythonError.Limit("expression nested too deeply for the stack").Message);
        }
        catch (Exception error) when (error is OverflowException or ArgumentException or InvalidOperationException or FormatException)
        {
            throw new ScheduleEvaluationException(Name, imageI, loopI, error.Message);
        }
    }

    private ScheduleEvaluationException Wrong(int imageI, int loopI, string expected, ScheduleValue value) =>
        new(Name, imageI, loopI, $"expected {expected}, got {value.TypeName} {ReprBuilder.Shortened(value, 80)}");

    /// <summary>A number (int, float or bool) as a double: subseed_strength, denoising, cfg, superimpose_alpha.</summary>
    public double AsDouble(int imageI, int loopI)
    {
        var value = Evaluate(imageI, loopI);
        // An int too large for a double is Python's OverflowError, as float(x) would raise.
        return Guard(imageI, loopI, () => PythonOps.TryGetDouble(value, out var d) ? d : throw Wrong(imageI, loopI, "a number", value));
    }

    /// <summary>
    /// An integer: steps, seed, subseed. The original assigns the value as-is; an int or bool is taken, and so is a float
    /// with an integral value (10.0); a fractional float is refused rather than silently truncated.
    /// </summary>
    public long AsInt(int imageI, int loopI)
    {
        var value = Evaluate(imageI, loopI);
        return ToInt(imageI, loopI, value, "an integer");
    }

    private long ToInt(int imageI, int loopI, ScheduleValue value, string expected)
    {
        BigInteger integer;
        if (PythonOps.TryGetInteger(value, out var i)) integer = i;
        else if (value is FloatValue f && double.IsFinite(f.Value) && Math.Floor(f.Value) == f.Value) integer = new BigInteger(f.Value);
        else throw Wrong(imageI, loopI, expected, value);
        if (integer < long.MinValue || integer > long.MaxValue) throw Wrong(imageI, loopI, expected + " that fits in 64 bits", value);
        return (long)integer;
    }

    /// <summary>A str: prompt and negative prompt.</summary>
    public string AsString(int imageI, int loopI)
    {
        var value = Evaluate(imageI, loopI);
        return value is StrValue s ? s.Value : throw Wrong(imageI, loopI, "a str", value);
    }

    /// <summary>A list or tuple of numbers: the temporal_superimpose_schedule's alpha list.</summary>
    public IReadOnlyList<double> AsDoubleList(int imageI, int loopI)
    {
        var value = Evaluate(imageI, loopI);
        if (value is not SequenceValue sequence) throw Wrong(imageI, loopI, "a list of numbers", value);
        var result = new double[sequence.Items.Count];
        for (int i = 0; i < result.Length; i++)
        {
            var item = sequence.Items[i];
            result[i] = Guard(imageI, loopI, () => PythonOps.TryGetDouble(item, out var d) ? d : throw Wrong(imageI, loopI, $"a list of numbers (item {i})", item));
        }
        return result;
    }

    /// <summary>batch_count_schedule: a tuple <c>(count, size)</c> sets n_iter and batch_size, anything else n_iter only.</summary>
    public BatchCount AsBatchCount(int imageI, int loopI)
    {
        var value = Evaluate(imageI, loopI);
        if (value is TupleValue tuple)
        {
            if (tuple.Items.Count != 2) throw Wrong(imageI, loopI, "an int or a (batch_count, batch_size) tuple of 2 ints", value);
            return new BatchCount(ToInt(imageI, loopI, tuple.Items[0], "an int batch_count in the tuple"),
                                  ToInt(imageI, loopI, tuple.Items[1], "an int batch_size in the tuple"));
        }
        return new BatchCount(ToInt(imageI, loopI, value, "an int or a (batch_count, batch_size) tuple"), null);
    }

    /// <summary>
    /// image_post_processing_schedule: the filters the lambda applies to the frame, or null when the value is falsy
    /// (the original skips post-processing then). <see cref="FilterChain.Identity"/> when the lambda returns img unchanged.
    /// </summary>
    public FilterChain? AsFilterChain(int imageI, int loopI)
    {
        var value = Evaluate(imageI, loopI);
        if (!value.IsTruthy) return null;
        if (value is not LambdaValue lambda || lambda.Parameters.Count != 1)
            throw Wrong(imageI, loopI, "a lambda of one image (lambda img: img.filter(ImageFilter.SMOOTH))", value);
        var result = Guard(imageI, loopI, () => lambda.Invoke(new ImageValue(FilterChain.Identity)));
        return result is ImageValue image ? image.Chain : throw Wrong(imageI, loopI, "the lambda to return an image", result);
    }

    public override string ToString() => $"{Name}: {Expression}";
}
