using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// WebUI's prompt editing and alternation (prompt_parser.get_learned_conditioning_prompt_schedules):
/// "[a:b:when]" shows a until step `when`, then b; "[a:when]" adds a after `when`; "[a::when]" removes it;
/// "[a|b|c]" cycles every step. A `when` with a '.' is a fraction of the steps, otherwise a step number.
/// The result lists, for each step at which the text changes, the last step (1-based) that uses each text.
/// A prompt the grammar cannot read (e.g. a '|' outside brackets) is used verbatim for all steps, as WebUI does.
/// </summary>
public static class PromptScheduler
{
    /// <summary>
    /// The schedule of <paramref name="prompt"/> for <paramref name="steps"/> sampling steps.
    /// With <paramref name="hiresSteps"/> (second pass of hires fix) integer steps count from the end of the
    /// first pass and fractions from 1.0; <paramref name="useOldScheduling"/> restores WebUI's old rule (values
    /// below 1 are fractions, others step numbers, no hires offset).
    /// </summary>
    public static List<(int EndAtStep, string Text)> GetSchedule(string prompt, int steps, int? hiresSteps = null, bool useOldScheduling = false)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be at least 1");
        int integerOffset = 0;
        double fractionOffset = 0;
        if (hiresSteps is { } hires && !useOldScheduling)
        {
            if (hires < 1) throw new ArgumentOutOfRangeException(nameof(hiresSteps), hires, "hires steps must be at least 1");
            integerOffset = steps;
            fractionOffset = 1.0;
            steps = hires;
        }

        var tree = ScheduleGrammar.TryParse(prompt);
        if (tree is null) return [(steps, prompt)];

        var changeSteps = new SortedSet<int> { steps };
        foreach (var node in tree.Descendants())
        {
            switch (node)
            {
                case ScheduleGrammar.Scheduled scheduled:
                    scheduled.When = ResolveWhen(scheduled.Number, steps, integerOffset, fractionOffset, useOldScheduling, prompt);
                    if (scheduled.When >= 1) changeSteps.Add(scheduled.When);
                    break;
                case ScheduleGrammar.Alternate:
                    for (int s = 1; s <= steps; s++) changeSteps.Add(s);
                    break;
            }
        }
        return changeSteps.Select(step => (step, tree.Render(step))).ToList();
    }

    private static int ResolveWhen(string number, int steps, int integerOffset, double fractionOffset, bool useOldScheduling, string prompt)
    {
        double v = double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (useOldScheduling) v = v < 1 ? v * steps : v;
        else if (number.Contains('.')) v = (v - fractionOffset) * steps;
        else v -= integerOffset;
        if (double.IsInfinity(v) || double.IsNaN(v))
            throw new PromptSyntaxException($"prompt \"{prompt}\": edit step '{number}' is out of range");
        // int() truncates toward zero; the min with steps comes after.
        return (int)Math.Min(steps, Math.Truncate(Math.Max(v, int.MinValue)));
    }
}

/// <summary>
/// The prompt-editing grammar WebUI parses with lark:
/// <code>
/// start:     (prompt | /[][():]/+)*
/// prompt:    (emphasized | scheduled | alternate | plain | WHITESPACE)*
/// emphasized: "(" prompt ")" | "(" prompt ":" prompt ")" | "[" prompt "]"     (brackets kept in the text)
/// scheduled: "[" [prompt ":"] prompt ":" [WHITESPACE] NUMBER [WHITESPACE] "]"
/// alternate: "[" prompt ("|" [prompt])+ "]"
/// plain:     /([^\\\[\]():|]|\\.)+/
/// </code>
/// read by recursive descent: a bracket that does not complete one of the forms is, at the top level,
/// a literal character; anywhere else it ends the enclosing form, which then fails in turn.
/// </summary>
internal static partial class ScheduleGrammar
{
    internal abstract class Node
    {
        public abstract void Render(int step, StringBuilder output);
        public virtual IEnumerable<Node> Children => [];

        public string Render(int step)
        {
            var output = new StringBuilder();
            Render(step, output);
            return output.ToString();
        }

        public IEnumerable<Node> Descendants()
        {
            yield return this;
            foreach (var child in Children)
                foreach (var node in child.Descendants())
                    yield return node;
        }
    }

    internal sealed class Literal(string text) : Node
    {
        public override void Render(int step, StringBuilder output) => output.Append(text);
    }

    internal sealed class Sequence(List<Node> parts) : Node
    {
        public override IEnumerable<Node> Children => parts;
        public override void Render(int step, StringBuilder output)
        {
            foreach (var part in parts) part.Render(step, output);
        }
    }

    internal sealed class Scheduled(Node? before, Node after, string number) : Node
    {
        public string Number => number;
        /// <summary>The last step that shows the "before" text; set when the schedule is resolved.</summary>
        public int When { get; set; }
        public override IEnumerable<Node> Children => before is null ? [after] : [before, after];
        public override void Render(int step, StringBuilder output)
        {
            if (step <= When) before?.Render(step, output);
            else after.Render(step, output);
        }
    }

    internal sealed class Alternate(List<Node> options) : Node
    {
        public override IEnumerable<Node> Children => options;
        public override void Render(int step, StringBuilder output) => options[(step - 1) % options.Count].Render(step, output);
    }

    // lark's SIGNED_NUMBER, with optional whitespace around it.
    [GeneratedRegex(@"\G\s*([+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?)\s*\]")]
    private static partial Regex NumberThenClose();

    [GeneratedRegex(@"^\s*([+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?)\s*$")]
    private static partial Regex WholeNumber();

    /// <summary>The parse tree, or null where WebUI's parser raises (the prompt is then used as is).</summary>
    public static Node? TryParse(string text)
    {
        try
        {
            return new Parser(text).ParseStart();
        }
        catch (InsufficientExecutionStackException)
        {
            return null;
        }
    }

    private sealed class Parser(string s)
    {
        // Deeper bracket nesting is treated as unreadable (the prompt is then used as is) rather than
        // risking the stack.
        private const int MaxDepth = 256;
        private int _pos;
        private int _depth;

        public Node? ParseStart()
        {
            var parts = new List<Node>();
            while (_pos < s.Length)
            {
                parts.Add(ParsePrompt());
                if (_pos >= s.Length) break;
                char c = s[_pos];
                if (c is '[' or ']' or '(' or ')' or ':')
                {
                    parts.Add(new Literal(c.ToString()));
                    _pos++;
                }
                else return null; // '|' outside brackets, or a lone trailing backslash
            }
            return new Sequence(parts);
        }

        private Sequence ParsePrompt()
        {
            var parts = new List<Node>();
            while (_pos < s.Length)
            {
                char c = s[_pos];
                if (c == '[' || c == '(')
                {
                    int start = _pos;
                    if (++_depth > MaxDepth) throw new InsufficientExecutionStackException();
                    var node = c == '[' ? TrySquare() : TryRound();
                    _depth--;
                    if (node is null) { _pos = start; break; }
                    parts.Add(node);
                }
                else if (c is ']' or ')' or ':' or '|') break;
                else
                {
                    int start = _pos;
                    while (_pos < s.Length)
                    {
                        char p = s[_pos];
                        if (p == '\\')
                        {
                            if (_pos + 1 < s.Length && s[_pos + 1] != '\n') { _pos += 2; continue; }
                            break;
                        }
                        if (p is '[' or ']' or '(' or ')' or ':' or '|') break;
                        _pos++;
                    }
                    if (_pos == start) break;
                    parts.Add(new Literal(s[start.._pos]));
                }
            }
            return new Sequence(parts);
        }

        private bool At(char c) => _pos < s.Length && s[_pos] == c;

        private Node? TryRound()
        {
            _pos++; // (
            var first = ParsePrompt();
            if (At(')'))
            {
                _pos++;
                return new Sequence([new Literal("("), first, new Literal(")")]);
            }
            if (!At(':')) return null;
            _pos++;
            var second = ParsePrompt();
            if (!At(')')) return null;
            _pos++;
            return new Sequence([new Literal("("), first, new Literal(":"), second, new Literal(")")]);
        }

        private Node? TrySquare()
        {
            _pos++; // [
            var first = ParsePrompt();
            if (At(']'))
            {
                _pos++;
                return new Sequence([new Literal("["), first, new Literal("]")]);
            }
            if (At('|'))
            {
                var options = new List<Node> { first };
                while (At('|'))
                {
                    _pos++;
                    options.Add(ParsePrompt());
                }
                if (!At(']')) return null;
                _pos++;
                return new Alternate(options);
            }
            if (!At(':')) return null;
            _pos++;
            int secondStart = _pos;
            var second = ParsePrompt();
            if (At(':'))
            {
                // "[before:after:when]"
                _pos++;
                var m = NumberThenClose().Match(s, _pos);
                if (!m.Success) return null;
                _pos += m.Length;
                return new Scheduled(first, second, m.Groups[1].Value);
            }
            if (At(']'))
            {
                // "[after:when]": what followed the colon must be just the number.
                var m = WholeNumber().Match(s[secondStart.._pos]);
                if (!m.Success) return null;
                _pos++;
                return new Scheduled(null, first, m.Groups[1].Value);
            }
            return null;
        }
    }
}
