using System.Runtime.CompilerServices;
using System.Text;

namespace VideoLoopback.Video.Schedules;

/// <summary>
/// Builds a repr() against a character budget: it fails (or, for error messages, stops) as soon as the text would pass
/// the budget, so <c>str([[0] * 100000] * 100000)</c> never builds more than the budget allows. The characters are
/// charged to the running evaluation.
/// </summary>
internal sealed class ReprBuilder
{
    private readonly StringBuilder _text = new();
    private readonly int _budget;
    private readonly bool _truncate;
    /// <summary>Characters appended but not yet charged: with the items written, they bound the work.</summary>
    private int _uncharged;
    private int _unchargedItems;

    private ReprBuilder(int budget, bool truncate)
    {
        _budget = budget;
        _truncate = truncate;
    }

    /// <summary>True once a truncating builder has reached its budget: writers stop early.</summary>
    public bool Full { get; private set; }

    /// <summary>repr(value), failing with a limit error past <see cref="ScheduleLimits.MaxStringLength"/> characters.</summary>
    public static string Build(ScheduleValue value)
    {
        var builder = new ReprBuilder(ScheduleLimits.MaxStringLength, truncate: false);
        value.WriteRepr(builder);
        return builder._text.ToString();
    }

    /// <summary>The start of repr(value) for a message: at most <paramref name="length"/> characters, "..." where cut.</summary>
    public static string Shortened(ScheduleValue value, int length)
    {
        var builder = new ReprBuilder(length + 1, truncate: true);
        value.WriteRepr(builder);
        return builder.Full ? builder._text.ToString(0, length - 3) + "..." : builder._text.ToString();
    }

    public void Append(string text)
    {
        if (Full) return;
        if ((long)_text.Length + text.Length > _budget)
        {
            if (!_truncate) throw PythonError.Limit($"string longer than {ScheduleLimits.MaxStringLength} characters (repr)");
            _text.Append(text, 0, _budget - _text.Length);
            Full = true;
            return;
        }
        _text.Append(text);
        _uncharged += text.Length;
        if (_uncharged < ScheduleLimits.CharactersPerStep) return;
        EvaluationContext.ChargeCharacters(_uncharged);
        _uncharged = 0;
    }

    /// <summary>Writes <paramref name="items"/> separated by ", ", each through <paramref name="write"/>.</summary>
    public void AppendJoined<T>(IReadOnlyList<T> items, Action<T> write)
    {
        // Nesting is bounded where values are made; this only turns a too-small thread stack into an error.
        RuntimeHelpers.EnsureSufficientExecutionStack();
        for (int i = 0; i < items.Count && !Full; i++)
        {
            if (i > 0) Append(", ");
            if (++_unchargedItems == ScheduleLimits.ObjectsPerStep)
            {
                EvaluationContext.Charge(1);
                _unchargedItems = 0;
            }
            write(items[i]);
        }
    }
}
