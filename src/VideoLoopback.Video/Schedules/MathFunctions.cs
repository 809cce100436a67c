using System.Numerics;
using KeywordArguments = System.Collections.Generic.IReadOnlyList<System.Collections.Generic.KeyValuePair<string, VideoLoopback.Video.Schedules.ScheduleValue>>;

namespace VideoLoopback.Video.Schedules;

/// <summary>
/// Python's math module as the original exposes it: <c>dict(**math.__dict__)</c>, so the functions and
/// constants are bare names (<c>sin</c>, <c>pi</c>) and <c>pow</c> is math.pow (always a float).
/// The double functions call the same C library functions CPython does, with CPython's domain/range errors.
/// </summary>
internal static class MathFunctions
{
    private const int MaxFactorialArgument = 5000;

    public static IReadOnlyDictionary<string, ScheduleValue> Create()
    {
        var table = new Dictionary<string, ScheduleValue>
        {
            ["pi"] = new FloatValue(Math.PI),
            ["e"] = new FloatValue(Math.E),
            ["tau"] = new FloatValue(Math.Tau),
            ["inf"] = new FloatValue(double.PositiveInfinity),
            ["nan"] = new FloatValue(double.NaN),
        };
        void Add(string name, BuiltinFunctionValue.Implementation implementation) => table[name] = new BuiltinFunctionValue(name, implementation);
        void Unary(string name, Func<double, double> function, Func<double, bool>? domain = null, bool infiniteIsDomainError = false) =>
            Add(name, (a, k, _) => new FloatValue(CheckedUnary(name, Arg(name, a, k, 1)[0], function, domain, infiniteIsDomainError)));

        Unary("sin", Math.Sin, x => !double.IsInfinity(x));
        Unary("cos", Math.Cos, x => !double.IsInfinity(x));
        Unary("tan", Math.Tan, x => !double.IsInfinity(x));
        Unary("asin", Math.Asin, x => double.IsNaN(x) || Math.Abs(x) <= 1);
        Unary("acos", Math.Acos, x => double.IsNaN(x) || Math.Abs(x) <= 1);
        Unary("atan", Math.Atan);
        Unary("sinh", Math.Sinh);
        Unary("cosh", Math.Cosh);
        Unary("tanh", Math.Tanh);
        Unary("asinh", Math.Asinh);
        Unary("acosh", Math.Acosh, x => double.IsNaN(x) || x >= 1);
        Unary("atanh", Math.Atanh, x => double.IsNaN(x) || Math.Abs(x) < 1);
        Unary("exp", Math.Exp);
        Unary("exp2", x => Math.Pow(2, x));
        Unary("sqrt", Math.Sqrt, x => double.IsNaN(x) || x >= 0);
        Unary("cbrt", Math.Cbrt);
        Unary("fabs", Math.Abs);
        Add("log2", (a, k, _) => new FloatValue(LogHelper(Single("log2", a, k), Math.Log2)));
        Add("log10", (a, k, _) => new FloatValue(LogHelper(Single("log10", a, k), Math.Log10)));
        Unary("degrees", x => x * (180.0 / Math.PI));
        Unary("radians", x => x * (Math.PI / 180.0));
        Add("log", (a, k, _) =>
        {
            if (a.Length is < 1 or > 2 || k.Count > 0) throw PythonError.Type($"log expected 1 or 2 arguments, got {a.Length}");
            var x = LogHelper(a[0], Math.Log);
            if (a.Length == 1) return new FloatValue(x);
            var b = LogHelper(a[1], Math.Log);
            if (b == 0) throw PythonError.ZeroDivision("float division by zero");
            return new FloatValue(x / b);
        });
        Add("atan2", (a, k, _) => { var v = Arg("atan2", a, k, 2); return new FloatValue(Math.Atan2(v[0], v[1])); });
        Add("copysign", (a, k, _) => { var v = Arg("copysign", a, k, 2); return new FloatValue(Math.CopySign(v[0], v[1])); });
        Add("fmod", (a, k, _) =>
        {
            var v = Arg("fmod", a, k, 2);
            if (double.IsInfinity(v[0]) || v[1] == 0) throw PythonError.Value("math domain error");
            return new FloatValue(PythonOps.CFmod(v[0], v[1]));
        });
        Add("remainder", (a, k, _) =>
        {
            var v = Arg("remainder", a, k, 2);
            if (double.IsInfinity(v[0]) || v[1] == 0) throw PythonError.Value("math domain error");
            return new FloatValue(Math.IEEERemainder(v[0], v[1]));
        });
        Add("pow", (a, k, _) => new FloatValue(MathPow(Arg("pow", a, k, 2))));
        Add("hypot", (a, k, _) =>
        {
            if (k.Count > 0) throw PythonError.Type("hypot() takes no keyword arguments");
            return new FloatValue(Hypot(a.Select(v => ToDouble("hypot", v)).ToArray()));
        });
        Add("floor", (a, k, _) => Rounded("floor", a, k, Math.Floor));
        Add("ceil", (a, k, _) => Rounded("ceil", a, k, Math.Ceiling));
        Add("trunc", (a, k, _) => Rounded("trunc", a, k, Math.Truncate));
        Add("isfinite", (a, k, _) => BoolValue.From(double.IsFinite(Arg("isfinite", a, k, 1)[0])));
        Add("isinf", (a, k, _) => BoolValue.From(double.IsInfinity(Arg("isinf", a, k, 1)[0])));
        Add("isnan", (a, k, _) => BoolValue.From(double.IsNaN(Arg("isnan", a, k, 1)[0])));
        Add("isclose", IsClose);
        Add("modf", (a, k, _) =>
        {
            var x = Arg("modf", a, k, 1)[0];
            if (double.IsInfinity(x)) return new TupleValue([new FloatValue(Math.CopySign(0.0, x)), new FloatValue(x)]);
            var whole = Math.Truncate(x);
            return new TupleValue([new FloatValue(Math.CopySign(x - whole, x)), new FloatValue(whole)]);
        });
        Add("factorial", (a, k, c) =>
        {
            var n = Integer("factorial", Single("factorial", a, k));
            if (n < 0) throw PythonError.Value("factorial() not defined for negative values");
            if (n > MaxFactorialArgument) throw PythonError.Limit($"factorial() argument larger than {MaxFactorialArgument}");
            var result = BigInteger.One;
            for (int i = 2; i <= (int)n; i++) result *= i;
            return IntValue.From(result);
        });
        Add("gcd", (a, k, _) =>
        {
            if (k.Count > 0) throw PythonError.Type("gcd() takes no keyword arguments");
            return IntValue.From(a.Select(v => Integer("gcd", v)).Aggregate(BigInteger.Zero, BigInteger.GreatestCommonDivisor));
        });
        Add("lcm", (a, k, _) =>
        {
            if (k.Count > 0) throw PythonError.Type("lcm() takes no keyword arguments");
            return IntValue.From(a.Select(v => Integer("lcm", v)).Aggregate(BigInteger.One, (x, y) =>
                x.IsZero || y.IsZero ? BigInteger.Zero : BigInteger.Abs(x / BigInteger.GreatestCommonDivisor(x, y) * y)));
        });
        Add("isqrt", (a, k, _) =>
        {
            var n = Integer("isqrt", Single("isqrt", a, k));
            if (n < 0) throw PythonError.Value("isqrt() argument must be nonnegative");
            return IntValue.From(IntegerSquareRoot(n));
        });
        Add("comb", (a, k, _) => Combinatorial("comb", a, k, choose: true));
        Add("perm", (a, k, _) => Combinatorial("perm", a, k, choose: false));
        Add("prod", (a, k, c) =>
        {
            if (k.Count > 0 || a.Length != 1) throw PythonError.NotSupported("prod() with more than one argument");
            ScheduleValue total = IntValue.From(1);
            foreach (var item in PythonOps.Iterate(a[0])) { c.Tick(); total = PythonOps.Multiply(total, item); }
            return total;
        });
        Add("ldexp", (a, k, _) =>
        {
            if (a.Length != 2 || k.Count > 0) throw PythonError.Type("ldexp expected 2 arguments");
            var x = ToDouble("ldexp", a[0]);
            var exponent = (int)BigInteger.Clamp(Integer("ldexp", a[1]), -100_000, 100_000);
            var result = Math.ScaleB(x, exponent);
            if (double.IsInfinity(result) && double.IsFinite(x)) throw PythonError.Overflow("math range error");
            return new FloatValue(result);
        });
        Add("frexp", (a, k, _) =>
        {
            var x = Arg("frexp", a, k, 1)[0];
            if (x == 0 || !double.IsFinite(x)) return new TupleValue([new FloatValue(x), IntValue.From(0)]);
            int exponent = Math.ILogB(x) + 1;
            return new TupleValue([new FloatValue(Math.ScaleB(x, -exponent)), IntValue.From(exponent)]);
        });
        return table;
    }

    /// <summary>math names that exist in Python but are not implemented here; using one says so.</summary>
    public static readonly IReadOnlySet<string> Unsupported = new HashSet<string>
    {
        "erf", "erfc", "gamma", "lgamma", "expm1", "log1p", "fsum", "dist", "nextafter", "ulp",
    };

    private static double[] Arg(string name, ScheduleValue[] args, KeywordArguments kwargs, int count)
    {
        if (kwargs.Count > 0) throw PythonError.Type($"{name}() takes no keyword arguments");
        if (args.Length != count)
            throw PythonError.Type(count == 1 ? $"{name}() takes exactly one argument ({args.Length} given)" : $"{name} expected {count} arguments, got {args.Length}");
        return args.Select(a => ToDouble(name, a)).ToArray();
    }

    private static ScheduleValue Single(string name, ScheduleValue[] args, KeywordArguments kwargs)
    {
        if (kwargs.Count > 0) throw PythonError.Type($"{name}() takes no keyword arguments");
        if (args.Length != 1) throw PythonError.Type($"{name}() takes exactly one argument ({args.Length} given)");
        return args[0];
    }

    private static double ToDouble(string name, ScheduleValue value) =>
        PythonOps.TryGetDouble(value, out var d) ? d : throw PythonError.Type($"must be real number, not {value.TypeName} (in {name}())");

    private static BigInteger Integer(string name, ScheduleValue value) =>
        PythonOps.TryGetInteger(value, out var i) ? i : throw PythonError.Type($"'{value.TypeName}' object cannot be interpreted as an integer (in {name}())");

    private static double CheckedUnary(string name, double x, Func<double, double> function, Func<double, bool>? domain, bool infiniteIsDomainError)
    {
        if (domain is not null && !domain(x)) throw PythonError.Value("math domain error");
        var result = function(x);
        if (double.IsNaN(result) && !double.IsNaN(x)) throw PythonError.Value("math domain error");
        if (double.IsInfinity(result) && double.IsFinite(x))
            throw infiniteIsDomainError ? PythonError.Value("math domain error") : PythonError.Overflow("math range error");
        return result;
    }

    /// <summary>
    /// CPython's loghelper: an int too large for a double is split as m × 2^e (m in [0.5, 1), correctly rounded)
    /// and log(m) + log(2) × e is returned; everything else goes through the double.
    /// </summary>
    private static double LogHelper(ScheduleValue value, Func<double, double> log)
    {
        if (value is IntValue integer && double.IsInfinity((double)integer.Value))
        {
            if (integer.Value.Sign <= 0) throw PythonError.Value("math domain error");
            long exponent = (long)integer.Value.GetBitLength();
            int shift = (int)exponent - 62;
            var top = (long)(integer.Value >> shift);
            if (!(integer.Value & ((BigInteger.One << shift) - 1)).IsZero) top |= 1; // sticky bit: round once, correctly
            var mantissa = Math.ScaleB((double)top, -62);
            return log(mantissa) + log(2.0) * exponent;
        }
        var x = ToDouble("log", value);
        if (!(x > 0) && !double.IsNaN(x)) throw PythonError.Value("math domain error");
        return log(x);
    }

    private static double MathPow(double[] v)
    {
        double x = v[0], y = v[1];
        if (x == 0 && y < 0) throw PythonError.Value("math domain error");
        if (x < 0 && double.IsFinite(x) && double.IsFinite(y) && Math.Floor(y) != y) throw PythonError.Value("math domain error");
        var result = Math.Pow(x, y);
        if (double.IsInfinity(result) && double.IsFinite(x) && double.IsFinite(y)) throw PythonError.Overflow("math range error");
        return result;
    }

    /// <summary>Euclidean norm. Exact when the sum of squares is exact (small integers, as schedules use); else scaled.</summary>
    private static double Hypot(double[] values)
    {
        if (values.Any(double.IsInfinity)) return double.PositiveInfinity;
        if (values.Any(double.IsNaN)) return double.NaN;
        double max = values.Length == 0 ? 0 : values.Max(Math.Abs);
        if (max == 0) return 0;
        if (values.Length == 2) return double.Hypot(values[0], values[1]);
        double sum = 0;
        foreach (var v in values) { var s = v / max; sum += s * s; }
        return max * Math.Sqrt(sum);
    }

    private static ScheduleValue Rounded(string name, ScheduleValue[] args, KeywordArguments kwargs, Func<double, double> function)
    {
        var value = Single(name, args, kwargs);
        if (PythonOps.TryGetInteger(value, out var i)) return IntValue.From(i);
        return IntValue.From(PythonOps.FloatToInteger(function(ToDouble(name, value))));
    }

    private static ScheduleValue IsClose(ScheduleValue[] args, KeywordArguments kwargs, EvaluationContext context)
    {
        if (args.Length != 2) throw PythonError.Type($"isclose() takes exactly 2 positional arguments ({args.Length} given)");
        double a = ToDouble("isclose", args[0]), b = ToDouble("isclose", args[1]), relative = 1e-9, absolute = 0;
        foreach (var (key, v) in kwargs)
        {
            if (key == "rel_tol") relative = ToDouble("isclose", v);
            else if (key == "abs_tol") absolute = ToDouble("isclose", v);
            else throw PythonError.Type($"isclose() got an unexpected keyword argument '{key}'");
        }
        if (relative < 0 || absolute < 0) throw PythonError.Value("tolerances must be non-negative");
        if (a == b) return BoolValue.True;
        if (double.IsInfinity(a) || double.IsInfinity(b)) return BoolValue.False;
        var diff = Math.Abs(b - a);
        return BoolValue.From(diff <= Math.Abs(relative * b) || diff <= Math.Abs(relative * a) || diff <= absolute);
    }

    private static BigInteger IntegerSquareRoot(BigInteger n)
    {
        if (n < 2) return n;
        // Newton's method on integers from a start above the root: x decreases to floor(sqrt(n)) in O(log bits) steps,
        // exact for any size (a double start is off by far more than one unit past 2^53).
        var x = BigInteger.One << (int)((n.GetBitLength() + 1) / 2);
        while (true)
        {
            var next = (x + n / x) >> 1;
            if (next >= x) return x;
            x = next;
        }
    }

    private static ScheduleValue Combinatorial(string name, ScheduleValue[] args, KeywordArguments kwargs, bool choose)
    {
        if (kwargs.Count > 0 || args.Length is < 1 or > 2) throw PythonError.Type($"{name}() takes 1 or 2 arguments");
        var n = Integer(name, args[0]);
        var k = args.Length == 2 && args[1] is not NoneValue ? Integer(name, args[1]) : n;
        if (n < 0 || k < 0) throw PythonError.Value($"{name}() arguments must be non-negative");
        if (k > n) return IntValue.From(0);
        if (n > MaxFactorialArgument) throw PythonError.Limit($"{name}() argument larger than {MaxFactorialArgument}");
        if (choose && k > n - k) k = n - k;
        var result = BigInteger.One;
        for (BigInteger i = 0; i < k; i++)
        {
            result *= n - i;
            if (choose) result /= i + 1;
        }
        return IntValue.From(result);
    }
}
