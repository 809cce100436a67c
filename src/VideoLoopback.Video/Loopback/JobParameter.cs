using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// One job parameter, as a <see cref="JobSpec"/> property declares it with <see cref="JobKeyAttribute"/>: reads it from the
/// settings JSON and from its render option, writes it to the settings JSON, checks its range. The conversions depend only
/// on the property's type, so a new parameter needs no code here.
/// </summary>
public sealed class JobParameter
{
    private readonly PropertyInfo _property;
    private readonly JobKeyAttribute _declared;
    private readonly bool _nullable;

    internal JobParameter(PropertyInfo property, JobKeyAttribute declared)
    {
        _property = property;
        _declared = declared;
        _nullable = new NullabilityInfoContext().Create(property).ReadState == NullabilityState.Nullable;
        Default = property.GetValue(new JobSpec());
        OptionNames = (declared.Option ?? "--" + declared.Key.Replace('_', '-')).Split('|');
    }

    /// <summary>The settings-JSON key.</summary>
    public string Key => _declared.Key;

    public string PropertyName => _property.Name;

    public Type Type => _property.PropertyType;

    /// <summary>The type values convert to: <see cref="Type"/>, or T of a Nullable&lt;T&gt; (null then means "not set").</summary>
    private Type ValueType => Nullable.GetUnderlyingType(Type) ?? Type;

    public object? Default { get; }

    /// <summary>The render options that set it, e.g. <c>--loop-n</c>; the first is its main name.</summary>
    public IReadOnlyList<string> OptionNames { get; }

    /// <summary>The option as the help shows it: <c>--loop-n &lt;N&gt;</c>.</summary>
    public string OptionSyntax => $"{string.Join(", ", OptionNames)} <{_declared.ValueName}>";

    public string Help => _declared.Help;

    public bool IsSchedule => _declared.Schedule;

    public JobKeyWrite Write => _declared.Write;

    public bool ResumeMayChange => _declared.ResumeMayChange;

    internal int DeclarationLine => _declared.Line;

    /// <summary>A list: its option may be repeated, each value one entry.</summary>
    public bool IsList => Type == typeof(IReadOnlyList<string>) || Type == typeof(IReadOnlyList<ControlNetSpec>);

    public object? Get(JobSpec job) => _property.GetValue(job);

    public JobSpec With(JobSpec job, object? value)
    {
        // The copy is nobody else's yet, so setting its init-only property keeps JobSpec immutable to everyone else.
        var copy = job with { };
        _property.SetValue(copy, value);
        return copy;
    }

    public bool IsDefault(JobSpec job) => (Get(job), Default) switch
    {
        (IEnumerable<object> list, IEnumerable<object> defaults) => list.SequenceEqual(defaults),
        var (value, defaultValue) => Equals(value, defaultValue),
    };

    /// <summary>The value of this parameter's settings-JSON entry; errors name <paramref name="where"/> (the file) and the key.</summary>
    public object? FromJson(JsonElement v, string where)
    {
        JobException Bad(string expected) => new($"{where}: '{Key}' is {v.GetRawText()}, expected {expected}");
        if (v.ValueKind == JsonValueKind.Null)
        {
            if (_declared.NullReadsAs is { } nullValue) return nullValue;
            if (_nullable) return null;
            if (Type == typeof(string)) return "";
            if (Type == typeof(IReadOnlyList<string>)) return new List<string>();
            if (Type == typeof(IReadOnlyList<ControlNetSpec>)) return new List<ControlNetSpec>();
        }
        if (ValueType == typeof(string)) return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Bad("a string");
        if (_declared.BoolOrInt && ValueType == typeof(bool) && WholeNumber(v) is { } n and (0 or 1)) return n == 1;
        if (_declared.BoolOrInt && ValueType == typeof(int) && v.ValueKind is JsonValueKind.True or JsonValueKind.False)
            return v.ValueKind == JsonValueKind.True ? 1 : 0;
        if (ValueType == typeof(bool))
            return v.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => throw Bad("true or false") };
        if (ValueType == typeof(double)) return v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Bad("a number");
        if (ValueType == typeof(long)) return WholeNumber(v) ?? throw Bad("an integer");
        if (ValueType == typeof(int)) return WholeNumber(v) is { } l and >= int.MinValue and <= int.MaxValue ? (int)l : throw Bad("an integer" + InRange);
        if (ValueType.IsEnum)
            return v.ValueKind == JsonValueKind.String && JobEnumNames.Parse(ValueType, v.GetString()!) is { } e ? e : throw Bad(JobEnumNames.Expected(ValueType));
        if (Type == typeof(IReadOnlyList<string>))
        {
            if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String)) throw Bad("a list of strings");
            return v.EnumerateArray().Select(e => e.GetString()!).ToList();
        }
        if (Type == typeof(IReadOnlyList<ControlNetSpec>))
        {
            if (v.ValueKind != JsonValueKind.Array) throw Bad("a list of objects");
            return v.EnumerateArray().Select((unit, n) => ControlNetSpec.FromJson(unit, $"{where}: {Key}[{n}]")).ToList();
        }
        throw new NotSupportedException($"job parameter {Key}: no JSON form for {Type.Name}");
    }

    /// <summary>A JSON number that is a whole number (7 or 7.0), else null.</summary>
    private static long? WholeNumber(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Number) return null;
        if (v.TryGetInt64(out var l)) return l;
        var d = v.GetDouble();
        return d == Math.Floor(d) && Math.Abs(d) < 1e18 ? (long)d : null;
    }

    /// <summary>The value of this parameter's option given <paramref name="texts"/> (in order; the last wins unless it is a list).</summary>
    public object? FromOption(IReadOnlyList<string?> texts)
    {
        string Text(string? text) => text ?? throw new JobException($"{OptionNames[0]}: no value given");
        if (Type == typeof(IReadOnlyList<string>)) return texts.Select(Text).ToList();
        if (Type == typeof(IReadOnlyList<ControlNetSpec>)) return texts.Select(t => ControlNetSpec.Parse(Text(t))).ToList();
        var text = Text(texts[^1]);
        JobException Bad(string expected) => new($"{OptionNames[0]} '{text}': expected {expected}");
        var invariant = CultureInfo.InvariantCulture;
        if (ValueType == typeof(string)) return text;
        if (_declared.BoolOrInt && ValueType == typeof(bool) && text.Trim() is "0" or "1") return text.Trim() == "1";
        if (_declared.BoolOrInt && ValueType == typeof(int) && bool.TryParse(text, out var flag)) return flag ? 1 : 0;
        if (ValueType == typeof(bool)) return bool.TryParse(text, out var b) ? b : throw Bad("true or false");
        if (ValueType == typeof(int)) return int.TryParse(text, NumberStyles.Integer, invariant, out var i) ? i : throw Bad("an integer" + InRange);
        if (ValueType == typeof(long)) return long.TryParse(text, NumberStyles.Integer, invariant, out var l) ? l : throw Bad("an integer");
        if (ValueType == typeof(double))
            return double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, invariant, out var d) ? d : throw Bad("a number");
        if (ValueType.IsEnum) return JobEnumNames.Parse(ValueType, text) ?? throw Bad(JobEnumNames.Expected(ValueType));
        throw new NotSupportedException($"job parameter {Key}: no option form for {Type.Name}");
    }

    /// <summary>The value as <see cref="JobFile.PythonJson"/> writes it.</summary>
    public object? ToJson(JobSpec job) => Get(job) switch
    {
        null => null,
        string s => _declared.WrittenAsFullPath ? Path.GetFullPath(s) : s,
        bool b => b,
        int i => (long)i,
        long l => l,
        double d => _declared.IntegralWrittenAsInt && d == Math.Floor(d) && Math.Abs(d) < 1e15 ? (long)d : d,
        Enum e => JobEnumNames.Name(e),
        IReadOnlyList<ControlNetSpec> units => units.Select(u => (object?)u.ToJson()).ToList(),
        IReadOnlyList<string> strings => strings.Select(s => (object?)s).ToList(),
        var other => throw new NotSupportedException($"job parameter {Key}: no JSON form for {other.GetType().Name}"),
    };

    /// <summary>" in 1..16384" or " of at least 1" for a parameter with a declared range, else nothing.</summary>
    private string InRange => (double.IsNaN(_declared.Min), double.IsNaN(_declared.Max)) switch
    {
        (true, true) => "",
        (false, true) => $" of at least {_declared.Min}",
        (true, false) => $" of at most {_declared.Max}",
        _ => $" in {_declared.Min}..{_declared.Max}",
    };

    /// <summary>Throws <see cref="JobException"/> when the value is outside the declared range.</summary>
    public void CheckRange(JobSpec job)
    {
        double min = _declared.Min, max = _declared.Max;
        if (double.IsNaN(min) && double.IsNaN(max)) return;
        if (Get(job) is not { } value) return;
        double v = Convert.ToDouble(value, CultureInfo.InvariantCulture);
        // A NaN value fails only an exclusive bound, as "must be positive" checks do.
        bool outside = (_declared.MinExclusive ? !(v > min) : v < min) || v > max;
        if (outside)
            throw new JobException($"{Key} is {value}, expected {_declared.Expected ?? (double.IsNaN(max) ? $"at least {min}" : $"{min}..{max}")}");
    }
}
