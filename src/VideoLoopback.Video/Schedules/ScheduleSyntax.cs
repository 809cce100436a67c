using System.Runtime.CompilerServices;
using System.Text;

namespace VideoLoopback.Video.Schedules;

/// <summary>A node of a parsed expression; evaluating it walks the tree (the trees are tiny and run once per frame).</summary>
internal abstract class Node
{
    /// <summary>Height of the subtree, bounded so that evaluation cannot exhaust the stack.</summary>
    public int Depth { get; }

    protected Node(params IEnumerable<Node?> children)
    {
        int depth = 0;
        foreach (var child in children)
            if (child is not null) depth = Math.Max(depth, child.Depth);
        Depth = depth + 1;
    }

    public ScheduleValue Evaluate(EvaluationContext context, Scope? scope)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        context.Tick();
        context.Enter();
        try
        {
            return Run(context, scope);
        }
        finally
        {
            context.Exit();
        }
    }

    protected abstract ScheduleValue Run(EvaluationContext context, Scope? scope);
}

internal sealed class ConstantNode(ScheduleValue value) : Node
{
    public ScheduleValue Value { get; } = value;
    protected override ScheduleValue Run(EvaluationContext context, Scope? scope) => Value;
}

internal sealed class ImageIndexNode : Node
{
    protected override ScheduleValue Run(EvaluationContext context, Scope? scope) => context.ImageI;
}

internal sealed class LoopIndexNode : Node
{
    protected override ScheduleValue Run(EvaluationContext context, Scope? scope) => context.LoopI;
}

/// <summary>A lambda parameter: <paramref name="hops"/> scopes out, slot <paramref name="index"/>.</summary>
internal sealed class ParameterNode(int hops, int index) : Node
{
    protected override ScheduleValue Run(EvaluationContext context, Scope? scope)
    {
        for (int i = 0; i < hops; i++) scope = scope!.Parent;
        return scope!.Values[index];
    }
}

/// <summary>A name that is not defined; only an error if it is actually evaluated (Python resolves names at run time).</summary>
internal sealed class UndefinedNameNode(string message) : Node
{
    protected override ScheduleValue Run(EvaluationContext context, Scope? scope) =>
        throw new PythonError("NameError", message);
}

internal sealed class UnaryNode(string op, Node operand) : Node(operand)
{
    protected override ScheduleValue Run(EvaluationContext context, Scope? scope)
    {
        var value = operand.Evaluate(context, scope);
        return op switch
        {
            "-" => PythonOps.Negate(value),
            "+" => PythonOps.Plus(value),
            "~" => PythonOps.Invert(value),
            _ => BoolValue.From(!value.IsTruthy),
        };
    }
}

internal sealed class BinaryNode(string op, Node left, Node right) : Node(left, right)
{
    protected override ScheduleValue Run(EvaluationContext context, Scope? scope) =>
        PythonOps.Binary(op, left.Evaluate(context, scope), right.Evaluate(context, scope));
}

/// <summary><c>a and b and c</c> / <c>a or b</c>: short-circuits and returns the deciding operand, as Python does.</summary>
internal sealed class BoolOpNode(bool isAnd, IReadOnlyList<Node> operands) : Node(operands)
{
    protected override ScheduleValue Run(EvaluationContext context, Scope? scope)
    {
        ScheduleValue value = NoneValue.Instance;
        foreach (var operand in operands)
        {
            value = operand.Evaluate(context, scope);
            if (value.IsTruthy != isAnd) return value;
        }
        return value;
    }
}

/// <summary>A comparison chain <c>a &lt; b &lt;= c</c>: each operand evaluated at most once, stops at the first false link.</summary>
internal sealed class CompareNode(Node first, IReadOnlyList<string> operators, IReadOnlyList<Node> rest) : Node([first, .. rest])
{
    protected override ScheduleValue Run(EvaluationContext context, Scope? scope)
    {
        var left = first.Evaluate(context, scope);
        for (int i = 0; i < operators.Count; i++)
        {
            var right = rest[i].Evaluate(context, scope);
            bool holds = operators[i] switch
            {
                "==" => PythonOps.AreEqual(left, right),
                "!=" => !PythonOps.AreEqual(left, right),
                "in" => PythonOps.Contains(right, left),
                "not in" => !PythonOps.Contains(right, left),
                "is" => PythonOps.Is(left, right),
                "is not" => !PythonOps.Is(left, right),
                var op => PythonOps.Order(op, left, right),
            };
            if (!holds) return BoolValue.False;
            left = right;
        }
        return BoolValue.True;
    }
}

internal sealed class ConditionalNode(Node test, Node body, Node orElse) : Node(test, body, orElse)
{
    protected override ScheduleValue Run(EvaluationContext context, Scope? scope) =>
        test.Evaluate(context, scope).IsTruthy ? body.Evaluate(context, scope) : orElse.Evaluate(context, scope);
}

internal sealed class LambdaNode(IReadOnlyList<string> parameters, Node body) : Node(body)
{
    public IReadOnlyList<string> Parameters { get; } = parameters;

    protected override ScheduleValue Run(EvaluationContext context, Scope? scope) => new LambdaValue(this, context, scope);

    public ScheduleValue Invoke(EvaluationContext context, Scope scope)
    {
        if (++context.CallDepth > ScheduleLimits.MaxCallDepth)
            throw PythonError.Limit($"lambda calls nested more than {ScheduleLimits.MaxCallDepth} deep");
        try
        {
            return body.Evaluate(context, scope);
        }
        finally
        {
            context.CallDepth--;
        }
    }
}

internal sealed class CallNode(Node function, IReadOnlyList<Node> arguments, IReadOnlyList<KeyValuePair<string, Node>> keywords)
    : Node([function, .. arguments, .. keywords.Select(k => k.Value)])
{
    protected override ScheduleValue Run(EvaluationContext context, Scope? scope)
    {
        var callee = function.Evaluate(context, scope);
        if (callee is not CallableValue callable) throw PythonError.Type($"'{callee.TypeName}' object is not callable");
        var args = new ScheduleValue[arguments.Count];
        for (int i = 0; i < args.Length; i++) args[i] = arguments[i].Evaluate(context, scope);
        var kwargs = keywords.Count == 0 ? [] : keywords.Select(k => KeyValuePair.Create(k.Key, k.Value.Evaluate(context, scope))).ToList();
        return callable.Call(context, args, kwargs);
    }
}

/// <summary><c>target.name</c>: only ImageFilter.&lt;filter&gt; and img.filter exist; everything else is refused.</summary>
internal sealed class AttributeNode(Node target, string name) : Node(target)
{
    protected override ScheduleValue Run(EvaluationContext context, Scope? scope)
    {
        var value = target.Evaluate(context, scope);
        return value switch
        {
            ImageFilterModuleValue => ImageFilterCatalog.Lookup(name),
            ImageValue image when name == "filter" => new ImageFilterMethodValue(image),
            ImageValue => throw PythonError.Attribute($"img.{name} is not available in schedules (only img.filter(...) is)"),
            _ => throw PythonError.Attribute($"attribute access '.{name}' on {value.TypeName} is not available in schedules (only ImageFilter.<filter> and img.filter(...) are)"),
        };
    }
}

internal sealed class SubscriptNode(Node target, Node index) : Node(target, index)
{
    protected override ScheduleValue Run(EvaluationContext context, Scope? scope) =>
        PythonOps.Index(target.Evaluate(context, scope), index.Evaluate(context, scope));
}

internal sealed class SliceNode(Node target, Node? start, Node? stop, Node? step) : Node(target, start, stop, step)
{
    protected override ScheduleValue Run(EvaluationContext context, Scope? scope)
    {
        var container = target.Evaluate(context, scope);
        return PythonOps.Slice(container, start?.Evaluate(context, scope), stop?.Evaluate(context, scope), step?.Evaluate(context, scope));
    }
}

internal enum CollectionKind { List, Tuple, Set }

internal sealed class CollectionNode(CollectionKind kind, IReadOnlyList<Node> items) : Node(items)
{
    protected override ScheduleValue Run(EvaluationContext context, Scope? scope)
    {
        var values = new ScheduleValue[items.Count];
        for (int i = 0; i < values.Length; i++) values[i] = items[i].Evaluate(context, scope);
        return kind switch
        {
            CollectionKind.List => new ListValue(values),
            CollectionKind.Tuple => new TupleValue(values),
            _ => new SetValue(values),
        };
    }
}

internal sealed class DictNode(IReadOnlyList<Node> keys, IReadOnlyList<Node> values) : Node([.. keys, .. values])
{
    protected override ScheduleValue Run(EvaluationContext context, Scope? scope)
    {
        var pairs = new List<KeyValuePair<ScheduleValue, ScheduleValue>>(keys.Count);
        for (int i = 0; i < keys.Count; i++)
            pairs.Add(KeyValuePair.Create(keys[i].Evaluate(context, scope), values[i].Evaluate(context, scope)));
        return new DictValue(pairs);
    }
}

/// <summary>A part of an f-string: literal text, or a field with its conversion (!r !s !a) and format spec (itself an f-string).</summary>
internal sealed record FStringPart(string? Literal, Node? Expression, char? Conversion, FStringNode? FormatSpec);

internal sealed class FStringNode(IReadOnlyList<FStringPart> parts)
    : Node(parts.SelectMany(p => new Node?[] { p.Expression, p.FormatSpec }))
{
    protected override ScheduleValue Run(EvaluationContext context, Scope? scope) => new StrValue(Render(context, scope));

    public string Render(EvaluationContext context, Scope? scope)
    {
        var builder = new StringBuilder();
        foreach (var part in parts)
        {
            if (part.Literal is not null) { builder.Append(part.Literal); }
            else
            {
                var value = part.Expression!.Evaluate(context, scope);
                if (part.Conversion is 'r' or 'a') value = new StrValue(value.Repr());
                else if (part.Conversion == 's') value = new StrValue(value.Str());
                var spec = part.FormatSpec?.Render(context, scope) ?? "";
                builder.Append(PythonFormat.Format(value, spec));
            }
            if (builder.Length > ScheduleLimits.MaxStringLength)
                throw PythonError.Limit($"string longer than {ScheduleLimits.MaxStringLength} characters");
        }
        return builder.ToString();
    }
}
