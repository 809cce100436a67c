using System.Numerics;
using System.Runtime.CompilerServices;

namespace VideoLoopback.Video.Schedules;

/// <summary>Python 3.11 semantics of the operators on the value kinds schedules use.</summary>
internal static class PythonOps
{
    // ---- numbers ------------------------------------------------------------------------------

    /// <summary>int or bool (bool is an int subclass in Python).</summary>
    public static bool TryGetInteger(ScheduleValue value, out BigInteger result)
    {
        switch (value)
        {
            case IntValue i: result = i.Value; return true;
            case BoolValue b: result = b.Value ? BigInteger.One : BigInteger.Zero; return true;
            default: result = default; return false;
        }
    }

    public static bool TryGetDouble(ScheduleValue value, out double result)
    {
        switch (value)
        {
            case FloatValue f: result = f.Value; return true;
            case IntValue i: result = ToDouble(i.Value); return true;
            case BoolValue b: result = b.Value ? 1.0 : 0.0; return true;
            default: result = default; return false;
        }
    }

    public static bool IsNumber(ScheduleValue value) => value is IntValue or FloatValue or BoolValue;

    public static double ToDouble(BigInteger value)
    {
        var result = (double)value;
        if (double.IsInfinity(result)) throw PythonError.Overflow("int too large to convert to float");
        return result;
    }

    public static BigInteger FloatToInteger(double value)
    {
        if (double.IsNaN(value)) throw PythonError.Value("cannot convert float NaN to integer");
        if (double.IsInfinity(value)) throw PythonError.Overflow("cannot convert float infinity to integer");
        return new BigInteger(Math.Truncate(value));
    }

    public static ScheduleValue Float(double value) => new FloatValue(value);

    // ---- arithmetic ---------------------------------------------------------------------------

    public static ScheduleValue Binary(string op, ScheduleValue a, ScheduleValue b) => op switch
    {
        "+" => Add(a, b),
        "-" => Subtract(a, b),
        "*" => Multiply(a, b),
        "/" => TrueDivide(a, b),
        "//" => FloorDivide(a, b),
        "%" => Modulo(a, b),
        "**" => Power(a, b),
        "<<" or ">>" or "&" or "|" or "^" => Bitwise(op, a, b),
        _ => throw PythonError.NotSupported($"operator '{op}'"),
    };

    private static PythonError Unsupported(string op, ScheduleValue a, ScheduleValue b) =>
        PythonError.Type($"unsupported operand type(s) for {op}: '{a.TypeName}' and '{b.TypeName}'");

    public static ScheduleValue Add(ScheduleValue a, ScheduleValue b)
    {
        if (TryGetInteger(a, out var x) && TryGetInteger(b, out var y)) return IntValue.From(x + y);
        if (IsNumber(a) && IsNumber(b)) return Float(AsDouble(a) + AsDouble(b));
        return (a, b) switch
        {
            (StrValue s, StrValue t) => new StrValue(CheckedConcat(s.Value, t.Value)),
            (ListValue l, ListValue m) => new ListValue([.. l.Items, .. m.Items]),
            (TupleValue l, TupleValue m) => new TupleValue([.. l.Items, .. m.Items]),
            (StrValue, _) => throw PythonError.Type($"can only concatenate str (not \"{b.TypeName}\") to str"),
            (ListValue, _) => throw PythonError.Type($"can only concatenate list (not \"{b.TypeName}\") to list"),
            (TupleValue, _) => throw PythonError.Type($"can only concatenate tuple (not \"{b.TypeName}\") to tuple"),
            _ => throw Unsupported("+", a, b),
        };
    }

    private static string CheckedConcat(string a, string b)
    {
        if ((long)a.Length + b.Length > ScheduleLimits.MaxStringLength)
            throw PythonError.Limit($"string longer than {ScheduleLimits.MaxStringLength} characters");
        return a + b;
    }

    private static double AsDouble(ScheduleValue value) => TryGetDouble(value, out var d) ? d : throw new InvalidOperationException();

    public static ScheduleValue Subtract(ScheduleValue a, ScheduleValue b)
    {
        if (TryGetInteger(a, out var x) && TryGetInteger(b, out var y)) return IntValue.From(x - y);
        if (IsNumber(a) && IsNumber(b)) return Float(AsDouble(a) - AsDouble(b));
        if (a is SetValue s && b is SetValue t) return new SetValue(s.Items.Where(i => !t.Contains(i)));
        throw Unsupported("-", a, b);
    }

    public static ScheduleValue Multiply(ScheduleValue a, ScheduleValue b)
    {
        if (TryGetInteger(a, out var x) && TryGetInteger(b, out var y)) return IntValue.From(x * y);
        if (IsNumber(a) && IsNumber(b)) return Float(AsDouble(a) * AsDouble(b));
        if (a is IntValue or BoolValue) (a, b) = (b, a);
        if (TryGetInteger(b, out var count))
        {
            switch (a)
            {
                case StrValue s:
                    {
                        if (count <= 0 || s.Value.Length == 0) return StrValue.Empty;
                        if (count * s.Value.Length > ScheduleLimits.MaxStringLength)
                            throw PythonError.Limit($"string longer than {ScheduleLimits.MaxStringLength} characters");
                        return new StrValue(string.Concat(Enumerable.Repeat(s.Value, (int)count)));
                    }
                case SequenceValue seq:
                    {
                        if (count <= 0 || seq.Items.Count == 0) return seq.With([]);
                        if (count * seq.Items.Count > ScheduleLimits.MaxCollectionLength)
                            throw PythonError.Limit($"{seq.TypeName} longer than {ScheduleLimits.MaxCollectionLength} items");
                        var items = new List<ScheduleValue>((int)count * seq.Items.Count);
                        for (int i = 0; i < (int)count; i++) items.AddRange(seq.Items);
                        return seq.With(items);
                    }
            }
        }
        throw Unsupported("*", a, b);
    }

    public static ScheduleValue TrueDivide(ScheduleValue a, ScheduleValue b)
    {
        if (!IsNumber(a) || !IsNumber(b)) throw Unsupported("/", a, b);
        if (TryGetInteger(a, out var x) && TryGetInteger(b, out var y))
        {
            if (y.IsZero) throw PythonError.ZeroDivision("division by zero");
            return Float(ToDouble(x) / ToDouble(y));
        }
        var divisor = AsDouble(b);
        if (divisor == 0.0) throw PythonError.ZeroDivision("float division by zero");
        return Float(AsDouble(a) / divisor);
    }

    public static ScheduleValue FloorDivide(ScheduleValue a, ScheduleValue b)
    {
        if (TryGetInteger(a, out var x) && TryGetInteger(b, out var y))
        {
            if (y.IsZero) throw PythonError.ZeroDivision("integer division or modulo by zero");
            return IntValue.From(FloorDiv(x, y));
        }
        if (!IsNumber(a) || !IsNumber(b)) throw Unsupported("//", a, b);
        var (quotient, _) = FloatDivMod(AsDouble(a), AsDouble(b), "float floor division by zero");
        return Float(quotient);
    }

    public static ScheduleValue Modulo(ScheduleValue a, ScheduleValue b)
    {
        if (TryGetInteger(a, out var x) && TryGetInteger(b, out var y))
        {
            if (y.IsZero) throw PythonError.ZeroDivision("integer division or modulo by zero");
            return IntValue.From(x - FloorDiv(x, y) * y);
        }
        if (a is StrValue) throw PythonError.NotSupported("printf-style '%' string formatting (use an f-string)");
        if (!IsNumber(a) || !IsNumber(b)) throw Unsupported("%", a, b);
        var (_, remainder) = FloatDivMod(AsDouble(a), AsDouble(b), "float modulo");
        return Float(remainder);
    }

    public static BigInteger FloorDiv(BigInteger x, BigInteger y)
    {
        var q = BigInteger.DivRem(x, y, out var r);
        if (!r.IsZero && (r.Sign < 0) != (y.Sign < 0)) q -= 1;
        return q;
    }

    /// <summary>CPython's float divmod: the floor quotient and a remainder with the divisor's sign.</summary>
    public static (double Quotient, double Remainder) FloatDivMod(double vx, double wx, string zeroMessage)
    {
        if (wx == 0.0) throw PythonError.ZeroDivision(zeroMessage);
        double mod = CFmod(vx, wx);
        double div = (vx - mod) / wx;
        if (mod != 0.0)
        {
            if ((wx < 0) != (mod < 0))
            {
                mod += wx;
                div -= 1.0;
            }
        }
        else
        {
            mod = Math.CopySign(0.0, wx);
        }
        double floordiv;
        if (div != 0.0)
        {
            floordiv = Math.Floor(div);
            if (div - floordiv > 0.5) floordiv += 1.0;
        }
        else
        {
            floordiv = Math.CopySign(0.0, vx / wx);
        }
        return (floordiv, mod);
    }

    /// <summary>C fmod: the remainder with the dividend's sign (C#'s % on doubles is exactly that).</summary>
    public static double CFmod(double x, double y) => x % y;

    public static ScheduleValue Power(ScheduleValue a, ScheduleValue b)
    {
        if (TryGetInteger(a, out var x) && TryGetInteger(b, out var y))
        {
            if (y.Sign >= 0)
            {
                // 0, 1 and -1 stay small for any exponent; anything else grows by (bits - 1) per multiplication at least.
                if (BigInteger.Abs(x) <= 1) return IntValue.From(x.IsZero ? (y.IsZero ? 1 : 0) : x.IsOne || y.IsEven ? 1 : -1);
                long bits = (long)BigInteger.Abs(x).GetBitLength();
                if (y > ScheduleLimits.MaxIntegerBits || (bits - 1) * (long)y > ScheduleLimits.MaxIntegerBits)
                    throw PythonError.Limit($"integer result larger than {ScheduleLimits.MaxIntegerBits} bits (** with exponent {y})");
                return IntValue.From(BigInteger.Pow(x, (int)y));
            }
            if (x.IsZero) throw PythonError.ZeroDivision("0.0 cannot be raised to a negative power");
            return Float(FloatPower(ToDouble(x), ToDouble(y)));
        }
        if (!IsNumber(a) || !IsNumber(b)) throw Unsupported("** or pow()", a, b);
        return Float(FloatPower(AsDouble(a), AsDouble(b)));
    }

    /// <summary>float ** float with CPython's error cases (the result itself is C pow, as in CPython).</summary>
    public static double FloatPower(double x, double y)
    {
        if (x == 0.0 && y < 0.0) throw PythonError.ZeroDivision("0.0 cannot be raised to a negative power");
        if (x < 0.0 && double.IsFinite(x) && double.IsFinite(y) && Math.Floor(y) != y)
            throw PythonError.NotSupported("complex results (a negative number raised to a fractional power)");
        var result = Math.Pow(x, y);
        if (double.IsInfinity(result) && double.IsFinite(x) && double.IsFinite(y))
            throw PythonError.Overflow("(34, 'Numerical result out of range')");
        return result;
    }

    private static ScheduleValue Bitwise(string op, ScheduleValue a, ScheduleValue b)
    {
        if (a is SetValue s && b is SetValue t)
        {
            return op switch
            {
                "&" => new SetValue(s.Items.Where(t.Contains)),
                "|" => new SetValue(s.Items.Concat(t.Items)),
                "^" => new SetValue(s.Items.Where(i => !t.Contains(i)).Concat(t.Items.Where(i => !s.Contains(i)))),
                _ => throw Unsupported(op, a, b),
            };
        }
        if (!TryGetInteger(a, out var x) || !TryGetInteger(b, out var y)) throw Unsupported(op, a, b);
        if (a is BoolValue ba && b is BoolValue bb && op is "&" or "|" or "^")
            return BoolValue.From(op == "&" ? ba.Value & bb.Value : op == "|" ? ba.Value | bb.Value : ba.Value ^ bb.Value);
        switch (op)
        {
            case "&": return IntValue.From(x & y);
            case "|": return IntValue.From(x | y);
            case "^": return IntValue.From(x ^ y);
        }
        if (y.Sign < 0) throw PythonError.Value("negative shift count");
        if (op == ">>") return IntValue.From(y > ScheduleLimits.MaxIntegerBits ? (x.Sign < 0 ? -1 : 0) : x >> (int)y);
        if (x.IsZero) return IntValue.From(0);
        if (y > ScheduleLimits.MaxIntegerBits) throw PythonError.Limit($"integer result larger than {ScheduleLimits.MaxIntegerBits} bits");
        return IntValue.From(x << (int)y);
    }

    public static ScheduleValue Negate(ScheduleValue value) => value switch
    {
        FloatValue f => Float(-f.Value),
        _ when TryGetInteger(value, out var i) => IntValue.From(-i),
        _ => throw PythonError.Type($"bad operand type for unary -: '{value.TypeName}'"),
    };

    public static ScheduleValue Plus(ScheduleValue value) => value switch
    {
        FloatValue => value,
        _ when TryGetInteger(value, out var i) => IntValue.From(i),
        _ => throw PythonError.Type($"bad operand type for unary +: '{value.TypeName}'"),
    };

    public static ScheduleValue Invert(ScheduleValue value) =>
        TryGetInteger(value, out var i) ? IntValue.From(-i - 1) : throw PythonError.Type($"bad operand type for unary ~: '{value.TypeName}'");

    // ---- comparison ---------------------------------------------------------------------------

    public static bool AreEqual(ScheduleValue a, ScheduleValue b)
    {
        // Containers compare item by item, recursively: every comparison is charged, so nested equality stays bounded.
        EvaluationContext.Charge(1);
        RuntimeHelpers.EnsureSufficientExecutionStack();
        if (ReferenceEquals(a, b)) return a is not FloatValue f || !double.IsNaN(f.Value);
        if (IsNumber(a) && IsNumber(b))
        {
            if (TryGetInteger(a, out var x) && TryGetInteger(b, out var y)) return x == y;
            return CompareNumbers(a, b) == 0;
        }
        return (a, b) switch
        {
            (StrValue s, StrValue t) => TextEqual(s.Value, t.Value),
            (ListValue l, ListValue m) => SequenceEqual(l.Items, m.Items),
            (TupleValue l, TupleValue m) => SequenceEqual(l.Items, m.Items),
            (SetValue s, SetValue t) => s.Items.Count == t.Items.Count && s.Items.All(t.Contains),
            (DictValue d, DictValue e) => d.Keys.Count == e.Keys.Count && d.Keys.All(k => e.TryGet(k, out var v) && d.TryGet(k, out var w) && AreEqual(w, v)),
            (RangeValue r, RangeValue q) => r.Length == q.Length && (r.Length.IsZero || (r.Start == q.Start && (r.Length.IsOne || r.Step == q.Step))),
            (FilterValue f, FilterValue g) => f.Name == g.Name && (f.Arguments is null ? g.Arguments is null : g.Arguments is not null && f.Arguments.AsSpan().SequenceEqual(g.Arguments)),
            _ => false,
        };
    }

    private static bool SequenceEqual(IReadOnlyList<ScheduleValue> a, IReadOnlyList<ScheduleValue> b)
    {
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++)
            if (!AreEqual(a[i], b[i])) return false;
        return true;
    }

    /// <summary>Exact comparison of two numbers; NaN compares as unordered (returns null).</summary>
    private static int? CompareNumbers(ScheduleValue a, ScheduleValue b)
    {
        if (TryGetInteger(a, out var x) && TryGetInteger(b, out var y)) return x.CompareTo(y);
        if (a is FloatValue fa && b is FloatValue fb)
            return double.IsNaN(fa.Value) || double.IsNaN(fb.Value) ? null : fa.Value.CompareTo(fb.Value);
        // One int, one float: compare exactly, as Python does (no overflow for huge ints).
        if (a is FloatValue f)
        {
            TryGetInteger(b, out var integer);
            return -CompareIntegerWithFloat(integer, f.Value);
        }
        TryGetInteger(a, out var left);
        return CompareIntegerWithFloat(left, ((FloatValue)b).Value);
    }

    private static int? CompareIntegerWithFloat(BigInteger integer, double value)
    {
        if (double.IsNaN(value)) return null;
        if (double.IsInfinity(value)) return value > 0 ? -1 : 1;
        const double Exact = 9007199254740992.0; // 2^53: every double at least this large is an integer
        if (Math.Abs(value) >= Exact) return integer.CompareTo(new BigInteger(value));
        if (BigInteger.Abs(integer) >= new BigInteger(Exact)) return integer.Sign;
        return ((double)integer).CompareTo(value);
    }

    /// <summary>Python's &lt; &lt;= &gt; &gt;= between numbers, strings, or same-kind sequences.</summary>
    public static bool Order(string op, ScheduleValue a, ScheduleValue b)
    {
        EvaluationContext.Charge(1);
        int? cmp;
        if (IsNumber(a) && IsNumber(b)) cmp = CompareNumbers(a, b);
        else if (a is StrValue s && b is StrValue t) cmp = TextOrder(s.Value, t.Value);
        else if ((a is ListValue && b is ListValue) || (a is TupleValue && b is TupleValue))
        {
            var l = ((SequenceValue)a).Items;
            var m = ((SequenceValue)b).Items;
            for (int i = 0; i < Math.Min(l.Count, m.Count); i++)
                if (!AreEqual(l[i], m[i])) return Order(op, l[i], m[i]);
            cmp = l.Count.CompareTo(m.Count);
        }
        else if (a is SetValue sa && b is SetValue sb)
        {
            bool subset = sa.Items.All(sb.Contains), superset = sb.Items.All(sa.Contains);
            return op switch
            {
                "<" => subset && sa.Items.Count < sb.Items.Count,
                "<=" => subset,
                ">" => superset && sa.Items.Count > sb.Items.Count,
                _ => superset,
            };
        }
        else throw PythonError.Type($"'{op}' not supported between instances of '{a.TypeName}' and '{b.TypeName}'");
        if (cmp is null) return false;
        return op switch
        {
            "<" => cmp < 0,
            "<=" => cmp <= 0,
            ">" => cmp > 0,
            _ => cmp >= 0,
        };
    }

    public static bool Contains(ScheduleValue container, ScheduleValue item) => container switch
    {
        StrValue s when item is StrValue t => ContainsText(s.Value, t.Value),
        StrValue => throw PythonError.Type($"'in <string>' requires string as left operand, not {item.TypeName}"),
        SequenceValue seq => seq.Items.Any(i => AreEqual(i, item)),
        SetValue set => set.Contains(item),
        DictValue dict => dict.TryGet(item, out _),
        RangeValue range => TryGetInteger(item, out var n) ? range.Contains(n)
            : item is FloatValue f && double.IsFinite(f.Value) && Math.Floor(f.Value) == f.Value && range.Contains(new BigInteger(f.Value)),
        _ => throw PythonError.Type($"argument of type '{container.TypeName}' is not iterable"),
    };

    /// <summary>Substring search, charged for its worst case (each position compared against the whole needle).</summary>
    private static bool ContainsText(string text, string needle)
    {
        const long perStep = ScheduleLimits.CharactersPerStep;
        EvaluationContext.Charge(text.Length / perStep + (long)text.Length * needle.Length / (perStep * perStep));
        return text.Contains(needle, StringComparison.Ordinal);
    }

    public static bool Is(ScheduleValue a, ScheduleValue b) =>
        ReferenceEquals(a, b) || (a is IntValue x && b is IntValue y && x.Value == y.Value && x.Value >= -5 && x.Value <= 256);

    // ---- containers ---------------------------------------------------------------------------

    /// <summary>The items of an iterable, materialised under the collection-size limit.</summary>
    public static IReadOnlyList<ScheduleValue> Iterate(ScheduleValue value)
    {
        switch (value)
        {
            // Callers visit the items (any, all, sum, min, ...): charged here, once per iteration, like a copy.
            case SequenceValue seq: return Charged(seq.Items);
            case SetValue set: return Charged(set.Items);
            case DictValue dict: return Charged(dict.Keys);
            case StrValue s:
                EvaluationContext.ChargeObjects(s.Value.Length);
                return s.Value.Select(c => (ScheduleValue)new StrValue(c.ToString())).ToList();
            case RangeValue r:
                {
                    var length = r.Length;
                    if (length > ScheduleLimits.MaxCollectionLength)
                        throw PythonError.Limit($"range longer than {ScheduleLimits.MaxCollectionLength} items");
                    EvaluationContext.ChargeObjects((long)length);
                    var items = new List<ScheduleValue>((int)length);
                    for (int i = 0; i < (int)length; i++) items.Add(IntValue.From(r.At(i)));
                    return items;
                }
            default: throw PythonError.Type($"'{value.TypeName}' object is not iterable");
        }
    }

    private static IReadOnlyList<ScheduleValue> Charged(IReadOnlyList<ScheduleValue> items)
    {
        EvaluationContext.ChargeItems(items.Count);
        return items;
    }

    /// <summary>Comparing two strings reads them: charged by their length.</summary>
    private static bool TextEqual(string a, string b)
    {
        if (a.Length != b.Length) return false;
        EvaluationContext.ChargeCharacters(a.Length);
        return a == b;
    }

    private static int TextOrder(string a, string b)
    {
        EvaluationContext.ChargeCharacters(Math.Min(a.Length, b.Length));
        return string.CompareOrdinal(a, b);
    }

    public static ScheduleValue Index(ScheduleValue container, ScheduleValue index)
    {
        if (container is DictValue dict)
            return dict.TryGet(index, out var found) ? found : throw PythonError.Key(index.Repr());
        if (container is not (SequenceValue or StrValue or RangeValue))
            throw PythonError.Type($"'{container.TypeName}' object is not subscriptable");
        if (!TryGetInteger(index, out var i))
            throw PythonError.Type($"{container.TypeName} indices must be integers or slices, not {index.TypeName}");
        var length = Length(container);
        if (i < 0) i += length;
        if (i < 0 || i >= length) throw PythonError.Index($"{container.TypeName} index out of range");
        return container switch
        {
            SequenceValue seq => seq.Items[(int)i],
            StrValue s => new StrValue(s.Value[(int)i].ToString()),
            RangeValue r => IntValue.From(r.At(i)),
            _ => throw new InvalidOperationException(),
        };
    }

    public static BigInteger Length(ScheduleValue value) => value switch
    {
        SequenceValue seq => seq.Items.Count,
        StrValue s => s.Value.Length,
        SetValue set => set.Items.Count,
        DictValue dict => dict.Keys.Count,
        RangeValue r => r.Length,
        _ => throw PythonError.Type($"object of type '{value.TypeName}' has no len()"),
    };

    /// <summary>container[start:stop:step] with Python's clamping rules.</summary>
    public static ScheduleValue Slice(ScheduleValue container, ScheduleValue? start, ScheduleValue? stop, ScheduleValue? step)
    {
        if (container is not (SequenceValue or StrValue))
            throw PythonError.Type($"'{container.TypeName}' object is not subscriptable");
        int length = (int)Length(container);
        long stepValue = SliceBound(step) ?? 1;
        if (stepValue == 0) throw PythonError.Value("slice step cannot be zero");
        long lower = stepValue > 0 ? 0 : -1, upper = stepValue > 0 ? length : length - 1;
        long Clamp(long? bound, long defaultValue)
        {
            if (bound is null) return defaultValue;
            long b = bound.Value;
            if (b < 0) b = Math.Max(b + length, lower);
            return Math.Min(b, upper);
        }
        long from = Clamp(SliceBound(start), stepValue > 0 ? lower : upper);
        long to = Clamp(SliceBound(stop), stepValue > 0 ? upper : lower);
        long count = stepValue > 0 ? Math.Max(0, (to - from + stepValue - 1) / stepValue) : Math.Max(0, (from - to - stepValue - 1) / -stepValue);
        EvaluationContext.ChargeItems(count);
        if (container is StrValue text)
        {
            if (stepValue == 1) return new StrValue(text.Value.Substring((int)from, (int)count));
            var chars = new char[count];
            for (int k = 0; k < count; k++) chars[k] = text.Value[(int)(from + k * stepValue)];
            return new StrValue(new string(chars));
        }
        var sequence = (SequenceValue)container;
        var items = new ScheduleValue[count];
        for (int k = 0; k < count; k++) items[k] = sequence.Items[(int)(from + k * stepValue)];
        return sequence.With(items);
    }

    private static long? SliceBound(ScheduleValue? value)
    {
        if (value is null || value is NoneValue) return null;
        if (!TryGetInteger(value, out var i))
            throw PythonError.Type("slice indices must be integers or None");
        return (long)BigInteger.Clamp(i, long.MinValue / 4, long.MaxValue / 4);
    }
}
