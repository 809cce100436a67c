namespace VideoLoopback.Video.Schedules;

/// <summary>Something a schedule may call: a lambda, a whitelisted builtin or math function, an ImageFilter constructor, img.filter.</summary>
public abstract class CallableValue : ScheduleValue
{
    internal abstract ScheduleValue Call(EvaluationContext context, ScheduleValue[] args, IReadOnlyList<KeyValuePair<string, ScheduleValue>> kwargs);
}

/// <summary>A <c>lambda</c>: its body runs in the context (image_i, loop_i) it was created in, like a Python closure over the schedule globals.</summary>
public sealed class LambdaValue : CallableValue
{
    private readonly LambdaNode _node;
    private readonly EvaluationContext _context;
    private readonly Scope? _closure;

    internal LambdaValue(LambdaNode node, EvaluationContext context, Scope? closure)
    {
        _node = node;
        _context = context;
        _closure = closure;
    }

    public IReadOnlyList<string> Parameters => _node.Parameters;

    public override string TypeName => "function";
    public override string Repr() => "<function <lambda>>";

    internal override ScheduleValue Call(EvaluationContext context, ScheduleValue[] args, IReadOnlyList<KeyValuePair<string, ScheduleValue>> kwargs)
    {
        if (kwargs.Count > 0) throw PythonError.NotSupported("keyword arguments to a lambda");
        if (args.Length != _node.Parameters.Count)
            throw PythonError.Type($"<lambda>() takes {_node.Parameters.Count} positional argument{(_node.Parameters.Count == 1 ? "" : "s")} but {args.Length} were given");
        return _node.Invoke(_context, new Scope(args, _closure));
    }

    /// <summary>Calls the lambda with the given arguments (used to apply a post-processing lambda to the image placeholder).</summary>
    internal ScheduleValue Invoke(params ScheduleValue[] args)
    {
        using (_context.Activate()) return Call(_context, args, []);
    }
}

/// <summary>A builtin or math function, implemented natively.</summary>
public sealed class BuiltinFunctionValue : CallableValue
{
    internal delegate ScheduleValue Implementation(ScheduleValue[] args, IReadOnlyList<KeyValuePair<string, ScheduleValue>> kwargs, EvaluationContext context);

    private readonly Implementation _implementation;

    public string Name { get; }

    internal BuiltinFunctionValue(string name, Implementation implementation)
    {
        Name = name;
        _implementation = implementation;
    }

    public override string TypeName => "builtin_function_or_method";
    public override string Repr() => $"<built-in function {Name}>";

    internal override ScheduleValue Call(EvaluationContext context, ScheduleValue[] args, IReadOnlyList<KeyValuePair<string, ScheduleValue>> kwargs) =>
        _implementation(args, kwargs, context);
}
