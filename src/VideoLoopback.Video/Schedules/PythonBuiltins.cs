using System.Globalization;
using System.Numerics;
using KeywordArguments = System.Collections.Generic.IReadOnlyList<System.Collections.Generic.KeyValuePair<string, VideoLoopback.Video.Schedules.ScheduleValue>>;

namespace VideoLoopback.Video.Schedules;

/// <summary>The Python builtins a schedule may call (pure functions only; nothing that reaches files, modules or the interpreter).</summary>
internal static class PythonBuiltins
{
    public static IReadOnlyDictionary<string, ScheduleValue> Create()
    {
        var table = new Dictionary<string, ScheduleValue>
        {
            ["True"] = BoolValue.True,
            ["False"] = BoolValue.False,
            ["None"] = NoneValue.Instance,
        };
        void Add(string name, BuiltinFunctionValue.Implementation implementation) => table[name] = new BuiltinFunctionValue(name, implementation);

        Add("abs", (a, k, _) => Abs(Single("abs", a, k)));
        Add("bool", (a, k, _) => BoolValue.From(Optional("bool", a, k) is { } v && v.IsTruthy));
        Add("int", Int);
        Add("float", (a, k, _) => Float(Optional("float", a, k)));
        Add("str", (a, k, _) => Optional("str", a, k) is { } v ? new StrValue(v.Str()) : StrValue.Empty);
        Add("repr", (a, k, _) => new StrValue(Single("repr", a, k).Repr()));
        Add("format", (a, k, _) =>
        {
            NoKeywords("format", k);
            if (a.Length is < 1 or > 2) throw PythonError.Type("format() takes 1 or 2 arguments");
            var spec = a.Length == 2 ? a[1] as StrValue ?? throw PythonError.Type("format() argument 2 must be str") : StrValue.Empty;
            return new StrValue(PythonFormat.Format(a[0], spec.Value));
        });
        Add("round", Round);
        Add("min", (a, k, _) => Extreme("min", a, k, wantMax: false));
        Add("max", (a, k, _) => Extreme("max", a, k, wantMax: true));
        Add("len", (a, k, _) => IntValue.From(PythonOps.Length(Single("len", a, k))));
        Add("sum", Sum);
        Add("divmod", (a, k, _) =>
        {
            NoKeywords("divmod", k);
            if (a.Length != 2) throw PythonError.Type($"divmod expected 2 arguments, got {a.Length}");
            return new TupleValue([PythonOps.FloorDivide(a[0], a[1]), PythonOps.Modulo(a[0], a[1])]);
        });
        Add("list", (a, k, _) => new ListValue(Optional("list", a, k) is { } v ? PythonOps.Iterate(v).ToList() : []));
        Add("tuple", (a, k, _) => new TupleValue(Optional("tuple", a, k) is { } v ? PythonOps.Iterate(v).ToList() : []));
        Add("set", (a, k, _) => new SetValue(Optional("set", a, k) is { } v ? PythonOps.Iterate(v) : []));
        Add("sorted", Sorted);
        Add("range", Range);
        Add("any", (a, k, _) => BoolValue.From(PythonOps.Iterate(Single("any", a, k)).Any(v => v.IsTruthy)));
        Add("all", (a, k, _) => BoolValue.From(PythonOps.Iterate(Single("all", a, k)).All(v => v.IsTruthy)));
        Add("chr", (a, k, _) =>
        {
            var code = Integer("chr", Single("chr", a, k));
            if (code < 0 || code > 0x10FFFF) throw PythonError.Value("chr() arg not in range(0x110000)");
            return new StrValue(char.ConvertFromUtf32((int)code));
        });
        Add("ord", (a, k, _) =>
        {
            var value = Single("ord", a, k) as StrValue ?? throw PythonError.Type("ord() expected a string");
            if (value.Value.Length == 0 || value.Value.Length > (char.IsSurrogatePair(value.Value, 0) ? 2 : 1))
                throw PythonError.Type($"ord() expected a character, but string of length {value.Value.Length} found");
            return IntValue.From(char.ConvertToUtf32(value.Value, 0));
        });
        return table;
    }

    /// <summary>Builtins that exist in Python but are deliberately unavailable (they reach outside the expression or the interpreter).</summary>
    public static readonly IReadOnlySet<string> Refused = new HashSet<string>
    {
        "open", "eval", "exec", "compile", "getattr", "setattr", "delattr", "hasattr", "globals", "locals", "vars", "dir", "input",
        "print", "type", "object", "help", "breakpoint", "exit", "quit", "memoryview", "bytearray", "bytes", "classmethod",
        "staticmethod", "property", "super", "iter", "next", "aiter", "anext", "map", "filter", "zip", "enumerate", "isinstance",
        "issubclass", "id", "hash", "callable", "complex", "frozenset", "slice", "reversed", "hex", "oct", "bin", "ascii",
        "dict", "copyright", "credits", "license",
    };

    // ---- argument helpers ---------------------------------------------------------------------

    private static void NoKeywords(string name, KeywordArguments kwargs)
    {
        if (kwargs.Count > 0) throw PythonError.Type($"{name}() takes no keyword arguments");
    }

    private static ScheduleValue Single(string name, ScheduleValue[] args, KeywordArguments kwargs)
    {
        NoKeywords(name, kwargs);
        if (args.Length != 1) throw PythonError.Type($"{name}() takes exactly one argument ({args.Length} given)");
        return args[0];
    }

    private static ScheduleValue? Optional(string name, ScheduleValue[] args, KeywordArguments kwargs)
    {
        NoKeywords(name, kwargs);
        if (args.Length > 1) throw PythonError.Type($"{name}() takes at most 1 argument ({args.Length} given)");
        return args.Length == 1 ? args[0] : null;
    }

    public static BigInteger Integer(string name, ScheduleValue value) =>
        PythonOps.TryGetInteger(value, out var i) ? i : throw PythonError.Type($"'{value.TypeName}' object cannot be interpreted as an integer (in {name}())");

    // ---- implementations ----------------------------------------------------------------------

    private static ScheduleValue Abs(ScheduleValue value) => value switch
    {
        FloatValue f => new FloatValue(Math.Abs(f.Value)),
        _ when PythonOps.TryGetInteger(value, out var i) => IntValue.From(BigInteger.Abs(i)),
        _ => throw PythonError.Type($"bad operand type for abs(): '{value.TypeName}'"),
    };

    private static ScheduleValue Int(ScheduleValue[] args, KeywordArguments kwargs, EvaluationContext context)
    {
        ScheduleValue? value = args.Length > 0 ? args[0] : null;
        ScheduleValue? radix = args.Length > 1 ? args[1] : null;
        foreach (var (key, v) in kwargs)
        {
            if (key == "base" && radix is null) radix = v;
            else throw PythonError.Type($"int() got an unexpected keyword argument '{key}'");
        }
        if (args.Length > 2) throw PythonError.Type($"int() takes at most 2 arguments ({args.Length} given)");
        if (value is null) return IntValue.From(0);
        if (radix is not null)
        {
            if (value is not StrValue text) throw PythonError.Type("int() can't convert non-string with explicit base");
            return IntValue.From(ParseInteger(text.Value, (int)Integer("int", radix)));
        }
        return value switch
        {
            FloatValue f => IntValue.From(PythonOps.FloatToInteger(f.Value)),
            StrValue s => IntValue.From(ParseInteger(s.Value, 10)),
            _ when PythonOps.TryGetInteger(value, out var i) => IntValue.From(i),
            _ => throw PythonError.Type($"int() argument must be a string or a real number, not '{value.TypeName}'"),
        };
    }

    private static BigInteger ParseInteger(string text, int radix)
    {
        var invalid = PythonError.Value($"invalid literal for int() with base {radix}: {PythonFormat.StrRepr(text)}");
        var s = text.Trim();
        bool negative = false;
        if (s.Length > 0 && s[0] is '+' or '-') { negative = s[0] == '-'; s = s[1..]; }
        if (radix == 0)
        {
            radix = s.Length > 1 && s[0] == '0' ? char.ToLowerInvariant(s[1]) switch { 'x' => 16, 'o' => 8, 'b' => 2, _ => 10 } : 10;
            if (radix == 10 && s.Length > 1 && s[0] == '0' && s.Any(c => c is not ('0' or '_'))) throw invalid;
        }
        if (radix is < 2 or > 36) throw PythonError.Value("int() base must be >= 2 and <= 36, or 0");
        if (s.Length > 1 && s[0] == '0' && ((radix == 16 && s[1] is 'x' or 'X') || (radix == 8 && s[1] is 'o' or 'O') || (radix == 2 && s[1] is 'b' or 'B')))
            s = s[2..].TrimStart('_');
        if (s.Length == 0 || s[0] == '_' || s[^1] == '_' || s.Contains("__") || s.Length > 4300) throw invalid;
        var result = BigInteger.Zero;
        foreach (var c in s)
        {
            if (c == '_') continue;
            int digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetter(c) ? char.ToLowerInvariant(c) - 'a' + 10 : 99;
            if (digit >= radix) throw invalid;
            result = result * radix + digit;
        }
        return negative ? -result : result;
    }

    private static ScheduleValue Float(ScheduleValue? value)
    {
        if (value is null) return new FloatValue(0.0);
        if (PythonOps.TryGetDouble(value, out var d)) return new FloatValue(d);
        if (value is not StrValue text) throw PythonError.Type($"float() argument must be a string or a real number, not '{value.TypeName}'");
        EvaluationContext.ChargeCharacters(text.Value.Length);
        var s = text.Value.Trim();
        var body = s.TrimStart('+', '-').ToLowerInvariant();
        double sign = s.StartsWith('-') ? -1 : 1;
        if (s.Length - body.Length <= 1)
        {
            if (body is "inf" or "infinity") return new FloatValue(sign * double.PositiveInfinity);
            if (body is "nan") return new FloatValue(double.NaN);
        }
        bool validUnderscores = !s.Contains("__") && !s.StartsWith('_') && !s.EndsWith('_');
        var cleaned = s.Replace("_", "");
        if (validUnderscores && cleaned.Length > 0 && cleaned.All(c => char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '+' or '-')
            && double.TryParse(cleaned, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
            return new FloatValue(parsed);
        throw PythonError.Value($"could not convert string to float: {PythonFormat.StrRepr(text.Value)}");
    }

    private static ScheduleValue Round(ScheduleValue[] args, KeywordArguments kwargs, EvaluationContext context)
    {
        ScheduleValue? number = args.Length > 0 ? args[0] : null;
        ScheduleValue? digits = args.Length > 1 ? args[1] : null;
        foreach (var (key, v) in kwargs)
        {
            if (key == "number" && number is null) number = v;
            else if (key == "ndigits" && digits is null) digits = v;
            else throw PythonError.Type($"round() got an unexpected keyword argument '{key}'");
        }
        if (number is null || args.Length > 2) throw PythonError.Type("round() takes 1 or 2 arguments");
        bool noDigits = digits is null or NoneValue;
        if (number is FloatValue f)
        {
            if (noDigits)
            {
                if (!double.IsFinite(f.Value)) PythonOps.FloatToInteger(f.Value);
                return IntValue.From(new BigInteger(Math.Round(f.Value, MidpointRounding.ToEven)));
            }
            return new FloatValue(PythonFormat.RoundFloat(f.Value, Integer("round", digits!)));
        }
        if (PythonOps.TryGetInteger(number, out var i))
            return IntValue.From(noDigits ? i : PythonFormat.RoundInteger(i, Integer("round", digits!)));
        throw PythonError.Type($"type {number.TypeName} doesn't define __round__ method");
    }

    private static ScheduleValue Extreme(string name, ScheduleValue[] args, KeywordArguments kwargs, bool wantMax)
    {
        ScheduleValue? fallback = null;
        foreach (var (key, v) in kwargs)
        {
            if (key == "default") fallback = v;
            else throw PythonError.NotSupported($"{name}() keyword argument '{key}'");
        }
        if (args.Length == 0) throw PythonError.Type($"{name} expected at least 1 argument, got 0");
        var items = args.Length == 1 ? PythonOps.Iterate(args[0]) : args;
        if (items.Count == 0) return fallback ?? throw PythonError.Value($"{name}() arg is an empty sequence");
        var best = items[0];
        for (int i = 1; i < items.Count; i++)
            if (PythonOps.Order(wantMax ? ">" : "<", items[i], best)) best = items[i];
        return best;
    }

    private static ScheduleValue Sum(ScheduleValue[] args, KeywordArguments kwargs, EvaluationContext context)
    {
        ScheduleValue? start = args.Length > 1 ? args[1] : null;
        foreach (var (key, v) in kwargs)
        {
            if (key == "start" && start is null) start = v;
            else throw PythonError.Type($"sum() got an unexpected keyword argument '{key}'");
        }
        if (args.Length is < 1 or > 2) throw PythonError.Type("sum() takes 1 or 2 positional arguments");
        var total = start ?? IntValue.From(0);
        if (total is StrValue) throw PythonError.Type("sum() can't sum strings [use ''.join(seq) instead]");
        // Python 3.11 adds floats left to right without compensation (3.12 changed that).
        foreach (var item in PythonOps.Iterate(args[0]))
        {
            context.Tick();
            total = PythonOps.Add(total, item);
        }
        return total;
    }

    private static ScheduleValue Sorted(ScheduleValue[] args, KeywordArguments kwargs, EvaluationContext context)
    {
        bool reverse = false;
        foreach (var (key, v) in kwargs)
        {
            if (key == "reverse") reverse = v.IsTruthy;
            else throw PythonError.NotSupported($"sorted() keyword argument '{key}'");
        }
        if (args.Length != 1) throw PythonError.Type($"sorted expected 1 argument, got {args.Length}");
        var items = PythonOps.Iterate(args[0]).ToList();
        // A stable insertion-free merge sort through Python's '<' (List.Sort is not stable).
        var sorted = items.Select((v, i) => (v, i)).OrderBy(p => p, Comparer<(ScheduleValue v, int i)>.Create((x, y) =>
            PythonOps.Order("<", x.v, y.v) ? -1 : PythonOps.Order("<", y.v, x.v) ? 1 : x.i.CompareTo(y.i))).Select(p => p.v).ToList();
        if (reverse)
        {
            // Python keeps equal elements in their original order when reversing.
            sorted = items.Select((v, i) => (v, i)).OrderBy(p => p, Comparer<(ScheduleValue v, int i)>.Create((x, y) =>
                PythonOps.Order(">", x.v, y.v) ? -1 : PythonOps.Order(">", y.v, x.v) ? 1 : x.i.CompareTo(y.i))).Select(p => p.v).ToList();
        }
        return new ListValue(sorted);
    }

    private static ScheduleValue Range(ScheduleValue[] args, KeywordArguments kwargs, EvaluationContext context)
    {
        NoKeywords("range", kwargs);
        var bounds = args.Select(a => Integer("range", a)).ToArray();
        return bounds.Length switch
        {
            1 => new RangeValue(0, bounds[0], 1),
            2 => new RangeValue(bounds[0], bounds[1], 1),
            3 when bounds[2].IsZero => throw PythonError.Value("range() arg 3 must not be zero"),
            3 => new RangeValue(bounds[0], bounds[1], bounds[2]),
            _ => throw PythonError.Type($"range expected 1 to 3 arguments, got {bounds.Length}"),
        };
    }
}
