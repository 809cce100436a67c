namespace VideoLoopback.Video.Schedules;

/// <summary>
/// Recursive-descent parser for the Python expression grammar (3.11) restricted to what schedules need:
/// no statements, assignments, comprehensions, starred arguments or dunder names.
/// </summary>
internal sealed class ScheduleParser
{
    private static readonly HashSet<string> Keywords =
    [
        "and", "or", "not", "in", "is", "if", "else", "lambda", "None", "True", "False",
        "for", "while", "import", "from", "def", "class", "return", "yield", "await", "async", "del", "pass", "global",
        "nonlocal", "assert", "raise", "try", "except", "finally", "with", "as", "break", "continue", "elif",
    ];

    private readonly string _source;
    private List<Token> _tokens;
    private int _index;
    private int _depth;
    private readonly List<IReadOnlyList<string>> _scopes = [];

    private ScheduleParser(string source, List<Token> tokens)
    {
        _source = source;
        _tokens = tokens;
    }

    public static Node Parse(string source)
    {
        if (source.Length > ScheduleLimits.MaxExpressionLength)
            throw new SyntaxError(ScheduleLimits.MaxExpressionLength, $"expression longer than {ScheduleLimits.MaxExpressionLength} characters");
        var parser = new ScheduleParser(source, new ScheduleTokenizer(source, 0, source.Length).Tokenize());
        if (parser.Current.Kind == TokenKind.End) throw new SyntaxError(0, "empty expression");
        var node = parser.ParseExpressions();
        parser.ExpectEnd();
        if (node.Depth > ScheduleLimits.MaxEvaluationDepth)
            throw new SyntaxError(0, $"expression nested more than {ScheduleLimits.MaxEvaluationDepth} levels deep");
        return node;
    }

    private Token Current => _tokens[_index];

    private Token Advance() => _tokens[_index++];

    private bool Accept(string text)
    {
        if (!Current.Is(text)) return false;
        _index++;
        return true;
    }

    private void Expect(string text, string? context = null)
    {
        if (!Accept(text)) throw Unexpected(Current, context ?? $"expected '{text}'");
    }

    private void ExpectEnd()
    {
        if (Current.Kind != TokenKind.End) throw Unexpected(Current);
    }

    private SyntaxError Unexpected(Token token, string? expectation = null)
    {
        string hint = token.Text switch
        {
            "=" => " (use '==' to compare; assignments are not allowed)",
            ":=" => " (assignment expressions are not allowed)",
            "for" => " (comprehensions are not supported)",
            "import" or "from" => " (imports are not allowed)",
            _ => "",
        };
        var message = $"unexpected {token.Describe()}{hint}";
        if (expectation is not null) message += $"; {expectation}";
        return new SyntaxError(token.Start, message);
    }

    private void Enter()
    {
        if (++_depth > ScheduleLimits.MaxNestingDepth)
            throw new SyntaxError(Current.Start, $"expression nested more than {ScheduleLimits.MaxNestingDepth} levels deep");
    }

    private bool StartsExpression(Token token) => token.Kind switch
    {
        TokenKind.Number or TokenKind.String => true,
        TokenKind.Name => !Keywords.Contains(token.Text) || token.Text is "not" or "lambda" or "None" or "True" or "False",
        TokenKind.Operator => token.Text is "(" or "[" or "{" or "-" or "+" or "~",
        _ => false,
    };

    // ---- expressions --------------------------------------------------------------------------

    /// <summary><c>a, b, c</c> without brackets is a tuple (eval("1, 2") == (1, 2)).</summary>
    private Node ParseExpressions()
    {
        var first = ParseExpression();
        if (!Current.Is(",")) return first;
        var items = new List<Node> { first };
        while (Accept(","))
        {
            if (!StartsExpression(Current)) break;
            items.Add(ParseExpression());
        }
        return new CollectionNode(CollectionKind.Tuple, items);
    }

    private Node ParseExpression()
    {
        Enter();
        try
        {
            if (Accept("lambda")) return ParseLambda();
            var body = ParseDisjunction();
            if (!Accept("if")) return body;
            var test = ParseDisjunction();
            Expect("else", "a conditional expression needs 'else'");
            var orElse = ParseExpression();
            return new ConditionalNode(test, body, orElse);
        }
        finally
        {
            _depth--;
        }
    }

    private Node ParseLambda()
    {
        var parameters = new List<string>();
        while (!Current.Is(":"))
        {
            var token = Current;
            if (token.Kind != TokenKind.Name || Keywords.Contains(token.Text))
                throw Unexpected(token, "lambda parameters must be plain names");
            CheckName(token);
            if (parameters.Contains(token.Text)) throw new SyntaxError(token.Start, $"duplicate argument '{token.Text}' in lambda");
            parameters.Add(token.Text);
            _index++;
            if (!Accept(",")) break;
        }
        Expect(":", "a lambda needs ':' before its body");
        _scopes.Add(parameters);
        try
        {
            return new LambdaNode(parameters, ParseExpression());
        }
        finally
        {
            _scopes.RemoveAt(_scopes.Count - 1);
        }
    }

    private Node ParseDisjunction()
    {
        var first = ParseConjunction();
        if (!Current.Is("or")) return first;
        var operands = new List<Node> { first };
        while (Accept("or")) operands.Add(ParseConjunction());
        return new BoolOpNode(isAnd: false, operands);
    }

    private Node ParseConjunction()
    {
        var first = ParseInversion();
        if (!Current.Is("and")) return first;
        var operands = new List<Node> { first };
        while (Accept("and")) operands.Add(ParseInversion());
        return new BoolOpNode(isAnd: true, operands);
    }

    private Node ParseInversion()
    {
        if (!Accept("not")) return ParseComparison();
        Enter();
        try
        {
            return new UnaryNode("not", ParseInversion());
        }
        finally
        {
            _depth--;
        }
    }

    private Node ParseComparison()
    {
        var first = ParseBinary(0);
        var operators = new List<string>();
        var operands = new List<Node>();
        while (true)
        {
            string? op = null;
            var token = Current;
            if (token.Kind == TokenKind.Operator && token.Text is "<" or ">" or "==" or ">=" or "<=" or "!=") { op = token.Text; _index++; }
            else if (token.Is("in")) { op = "in"; _index++; }
            else if (token.Is("not") && _tokens[_index + 1].Is("in")) { op = "not in"; _index += 2; }
            else if (token.Is("is")) { _index++; op = Accept("not") ? "is not" : "is"; }
            if (op is null) break;
            operators.Add(op);
            operands.Add(ParseBinary(0));
        }
        return operators.Count == 0 ? first : new CompareNode(first, operators, operands);
    }

    /// <summary>Binary operator levels, loosest first: | ^ &amp; shifts, + -, * / // % @.</summary>
    private static readonly string[][] BinaryLevels =
    [
        ["|"], ["^"], ["&"], ["<<", ">>"], ["+", "-"], ["*", "/", "//", "%", "@"],
    ];

    private Node ParseBinary(int level)
    {
        if (level == BinaryLevels.Length) return ParseFactor();
        var left = ParseBinary(level + 1);
        while (Current.Kind == TokenKind.Operator && BinaryLevels[level].Contains(Current.Text))
        {
            var op = Advance().Text;
            if (op == "@") throw new SyntaxError(_tokens[_index - 1].Start, "the '@' operator is not supported");
            left = new BinaryNode(op, left, ParseBinary(level + 1));
        }
        return left;
    }

    private Node ParseFactor()
    {
        if (Current.Kind == TokenKind.Operator && Current.Text is "-" or "+" or "~")
        {
            var op = Advance().Text;
            Enter();
            try
            {
                var operand = ParseFactor();
                return FoldConstants(new UnaryNode(op, operand), [operand]);
            }
            finally
            {
                _depth--;
            }
        }
        return ParsePower();
    }

    private Node ParsePower()
    {
        var primary = ParsePrimary();
        if (!Accept("**")) return primary;
        Enter();
        try
        {
            return new BinaryNode("**", primary, ParseFactor());
        }
        finally
        {
            _depth--;
        }
    }

    private Node ParsePrimary()
    {
        var node = ParseAtom();
        while (true)
        {
            if (Accept("."))
            {
                var name = Current;
                if (name.Kind != TokenKind.Name || Keywords.Contains(name.Text)) throw Unexpected(name, "expected an attribute name after '.'");
                CheckName(name);
                _index++;
                node = new AttributeNode(node, name.Text);
            }
            else if (Accept("(")) node = ParseCall(node);
            else if (Accept("[")) node = ParseSubscript(node);
            else return node;
        }
    }

    private Node ParseCall(Node function)
    {
        var arguments = new List<Node>();
        var keywords = new List<KeyValuePair<string, Node>>();
        while (!Current.Is(")"))
        {
            if (Current.Is("*") || Current.Is("**")) throw new SyntaxError(Current.Start, "starred arguments are not supported");
            if (Current.Kind == TokenKind.Name && _tokens[_index + 1].Is("=") && !Keywords.Contains(Current.Text))
            {
                var name = Advance();
                CheckName(name);
                _index++;
                if (keywords.Any(k => k.Key == name.Text)) throw new SyntaxError(name.Start, $"keyword argument repeated: {name.Text}");
                keywords.Add(KeyValuePair.Create(name.Text, ParseExpression()));
            }
            else
            {
                if (keywords.Count > 0) throw new SyntaxError(Current.Start, "positional argument follows keyword argument");
                arguments.Add(ParseExpression());
            }
            if (Current.Is("for")) throw Unexpected(Current);
            if (!Accept(",")) break;
        }
        Expect(")", "expected ',' or ')' in the argument list");
        return new CallNode(function, arguments, keywords);
    }

    private Node ParseSubscript(Node target)
    {
        Node? Bound() => Current.Is(":") || Current.Is("]") ? null : ParseExpression();
        var start = Bound();
        if (Accept(":"))
        {
            var stop = Bound();
            Node? step = null;
            if (Accept(":")) step = Bound();
            Expect("]", "expected ']' to close the slice");
            return new SliceNode(target, start, stop, step);
        }
        if (start is null) throw Unexpected(Current, "expected an index");
        if (Current.Is(","))
        {
            var items = new List<Node> { start };
            while (Accept(",") && !Current.Is("]")) items.Add(ParseExpression());
            start = new CollectionNode(CollectionKind.Tuple, items);
        }
        Expect("]", "expected ']' to close the index");
        return new SubscriptNode(target, start);
    }

    // ---- atoms --------------------------------------------------------------------------------

    private Node ParseAtom()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Number:
                _index++;
                return new ConstantNode(token.Number!);
            case TokenKind.String:
                return ParseStrings();
            case TokenKind.Name:
                if (token.Text is "None" or "True" or "False") { _index++; return ScheduleGlobals.Resolve(token.Text); }
                if (Keywords.Contains(token.Text))
                    throw token.Text is "import" or "from" ? new SyntaxError(token.Start, "imports are not allowed in schedules") : Unexpected(token);
                CheckName(token);
                _index++;
                return ResolveName(token.Text);
            case TokenKind.Operator when token.Text == "(":
                _index++;
                return ParseParenthesized();
            case TokenKind.Operator when token.Text == "[":
                {
                    _index++;
                    var items = ParseItems("]");
                    return FoldConstants(new CollectionNode(CollectionKind.List, items), items);
                }
            case TokenKind.Operator when token.Text == "{":
                _index++;
                return ParseBraces();
            case TokenKind.Operator when token.Text == "...":
                throw new SyntaxError(token.Start, "'...' (Ellipsis) is not supported");
            default:
                throw Unexpected(token);
        }
    }

    private static void CheckName(Token token)
    {
        if (token.Text.StartsWith("__", StringComparison.Ordinal))
            throw new SyntaxError(token.Start, $"names starting with '__' are not allowed in schedules ('{token.Text}')");
    }

    private Node ResolveName(string name)
    {
        for (int hops = 0; hops < _scopes.Count; hops++)
        {
            var parameters = _scopes[_scopes.Count - 1 - hops];
            int index = -1;
            for (int i = 0; i < parameters.Count; i++)
                if (parameters[i] == name) { index = i; break; }
            if (index >= 0) return new ParameterNode(hops, index);
        }
        return ScheduleGlobals.Resolve(name);
    }

    private Node ParseParenthesized()
    {
        if (Accept(")")) return new CollectionNode(CollectionKind.Tuple, []);
        var first = ParseExpression();
        if (Accept(")")) return first;
        if (Current.Is("for")) throw Unexpected(Current);
        if (!Current.Is(",")) throw Unexpected(Current, "expected ')'");
        var items = new List<Node> { first };
        while (Accept(",") && !Current.Is(")")) items.Add(ParseExpression());
        Expect(")", "expected ',' or ')'");
        return FoldConstants(new CollectionNode(CollectionKind.Tuple, items), items);
    }

    private List<Node> ParseItems(string close)
    {
        var items = new List<Node>();
        while (!Current.Is(close))
        {
            if (Current.Is("*")) throw new SyntaxError(Current.Start, "starred items are not supported");
            items.Add(ParseExpression());
            if (Current.Is("for")) throw Unexpected(Current);
            if (!Accept(",")) break;
        }
        Expect(close, $"expected ',' or '{close}'");
        return items;
    }

    /// <summary><c>{}</c> is an empty dict, <c>{a: b}</c> a dict, <c>{a, b}</c> a set.</summary>
    private Node ParseBraces()
    {
        if (Accept("}")) return new DictNode([], []);
        var first = ParseExpression();
        if (!Accept(":"))
        {
            var items = new List<Node> { first };
            if (Current.Is("for")) throw Unexpected(Current);
            while (Accept(",") && !Current.Is("}")) items.Add(ParseExpression());
            Expect("}", "expected ',' or '}'");
            return FoldConstants(new CollectionNode(CollectionKind.Set, items), items);
        }
        var keys = new List<Node> { first };
        var values = new List<Node> { ParseExpression() };
        if (Current.Is("for")) throw Unexpected(Current);
        while (Accept(",") && !Current.Is("}"))
        {
            keys.Add(ParseExpression());
            Expect(":", "expected ':' in the dict");
            values.Add(ParseExpression());
        }
        Expect("}", "expected ',' or '}'");
        return FoldConstants(new DictNode(keys, values), [.. keys, .. values]);
    }

    /// <summary>
    /// A collection or signed number written with constants only is built once, at parse time: values are never
    /// mutated, so every evaluation can share it. If building it fails (an unhashable set item), the error is
    /// left to evaluation time, as in Python.
    /// </summary>
    private static Node FoldConstants(Node node, IReadOnlyList<Node> children)
    {
        if (!children.All(c => c is ConstantNode)) return node;
        try
        {
            var context = new EvaluationContext(1, 1);
            using (context.Activate()) return new ConstantNode(node.Evaluate(context, null));
        }
        catch (PythonError)
        {
            return node;
        }
    }

    // ---- strings ------------------------------------------------------------------------------

    /// <summary>Adjacent string literals concatenate; any f-string among them makes the whole an f-string.</summary>
    private Node ParseStrings()
    {
        var tokens = new List<Token>();
        while (Current.Kind == TokenKind.String) tokens.Add(Advance());
        if (!tokens.Any(t => t.IsFString))
            return new ConstantNode(new StrValue(string.Concat(tokens.SelectMany(t => t.Pieces!).Cast<LiteralPiece>().Select(p => p.Text))));
        return BuildFString(tokens.SelectMany(t => t.Pieces!).ToList());
    }

    private FStringNode BuildFString(IReadOnlyList<StringPiece> pieces)
    {
        var parts = new List<FStringPart>();
        foreach (var piece in pieces)
        {
            switch (piece)
            {
                case LiteralPiece literal:
                    parts.Add(new FStringPart(literal.Text, null, null, null));
                    break;
                case FieldPiece field:
                    var expression = ParseRange(field.ExpressionStart, field.ExpressionEnd);
                    var spec = field.FormatSpec.Count == 0 ? null : BuildFString(field.FormatSpec);
                    parts.Add(new FStringPart(null, expression, field.Conversion, spec));
                    break;
            }
        }
        return new FStringNode(parts);
    }

    /// <summary>Parses an f-string replacement field's expression where it sits in the source (so error columns stay right).</summary>
    private Node ParseRange(int start, int end)
    {
        var savedTokens = _tokens;
        var savedIndex = _index;
        _tokens = new ScheduleTokenizer(_source, start, end).Tokenize();
        _index = 0;
        try
        {
            Enter();
            try
            {
                var node = ParseExpressions();
                ExpectEnd();
                return node;
            }
            finally
            {
                _depth--;
            }
        }
        finally
        {
            _tokens = savedTokens;
            _index = savedIndex;
        }
    }
}
