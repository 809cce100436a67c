using System.Text;
using VideoLoopback.Video.Schedules;

namespace VideoLoopback.Video.Tests.Schedules;

/// <summary>
/// Seeded random expressions from a grammar of the schedule subset (numbers, strings, containers, operators, conditionals,
/// lambdas composed to repeat work, builtins and math functions with large arguments): each one either gives a value
/// or fails with one <see cref="ScheduleException"/>; none crashes the process, throws anything else or hangs.
/// </summary>
public class ScheduleFuzzTests
{
    private const int Expressions = 2000;

    private static readonly string[] Atoms =
    [
        "0", "1", "2", "-1", "3", "7", "100", "1000", "100000", "10**60", "2**4000", "0.5", "-2.5", "1e308", "float('nan')",
        "float('inf')", "image_i", "loop_i", "True", "False", "None", "'a'", "'ab'", "''", "pi", "e", "x", "[]", "()",
    ];

    private static readonly string[] Binary = ["+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^",
                                               "==", "!=", "<", "<=", ">", ">=", "in", "not in", "is", "and", "or"];

    private static readonly string[] Unary = ["abs", "bool", "int", "float", "str", "repr", "len", "sum", "list", "tuple", "set",
                                              "sorted", "range", "any", "all", "min", "max", "isqrt", "factorial", "floor", "sqrt",
                                              "log", "exp", "sin", "chr", "ord", "round", "isnan", "prod"];

    private sealed class Generator(int seed)
    {
        private readonly Random _random = new(seed);

        private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

        public string Expression(int depth)
        {
            if (depth <= 0) return Pick(Atoms);
            string Sub() => Expression(depth - 1);
            return _random.Next(14) switch
            {
                0 => Pick(Atoms),
                1 => $"({Sub()} {Pick(Binary)} {Sub()})",
                2 => $"(-{Sub()})",
                3 => $"(not {Sub()})",
                4 => $"{Pick(Unary)}({Sub()})",
                5 => $"[{Sub()}, {Sub()}]",
                6 => $"({Sub()}, {Sub()})",
                7 => $"{{{Sub()}: {Sub()}}}",
                8 => $"({Sub()} if {Sub()} else {Sub()})",
                9 => $"{Sub()}[{Sub()}]",
                10 => $"{Sub()}[{Sub()}:{Sub()}]",
                11 => $"[{Sub()}] * {Pick(["10", "1000", "100000", Sub()])}",
                12 => $"{Pick(["min", "max", "pow", "divmod", "round", "gcd", "comb", "range"])}({Sub()}, {Sub()})",
                // A lambda applied 2^k times by composition: short text, repeated work.
                _ => Amplified(_random.Next(1, 11), $"lambda x: {Sub()}", Sub()),
            };
        }

        private static string Amplified(int doublings, string function, string argument) =>
            ScheduleBudgetTests.Amplified(doublings, function, argument);

        /// <summary>Now and then a character dropped, doubled or swapped, so that broken syntax is fuzzed too.</summary>
        public string Mutated(string expression)
        {
            if (_random.Next(8) != 0 || expression.Length < 2) return expression;
            var text = new StringBuilder(expression);
            int at = _random.Next(text.Length - 1);
            switch (_random.Next(3))
            {
                case 0: text.Remove(at, 1); break;
                case 1: text.Insert(at, text[at]); break;
                default: (text[at], text[at + 1]) = (text[at + 1], text[at]); break;
            }
            return text.ToString();
        }
    }

    [Fact]
    public async Task RandomExpressionsGiveAValueOrOneScheduleError()
    {
        var outcome = await ScheduleBudgetTests.WithinTimeout(() =>
        {
            var generator = new Generator(seed: 20261205);
            int values = 0, errors = 0;
            for (int n = 0; n < Expressions; n++)
            {
                var expression = generator.Mutated(generator.Expression(depth: 1 + n % 5));
                try
                {
                    Schedule.Parse("cfg_schedule", expression).AsDouble(1 + n % 7, 1 + n % 3);
                    values++;
                }
                catch (ScheduleException)
                {
                    errors++;
                }
                catch (Exception other)
                {
                    throw new Xunit.Sdk.XunitException($"'{expression}' threw {other.GetType().Name}: {other.Message}");
                }
            }
            return (values, errors);
        });
        Assert.Equal(Expressions, outcome.values + outcome.errors);
        Assert.InRange(outcome.values, Expressions / 10, Expressions);
    }
}
