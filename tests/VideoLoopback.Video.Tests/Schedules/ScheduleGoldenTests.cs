using System.Globalization;
using System.Text.Json;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Schedules;

namespace VideoLoopback.Video.Tests.Schedules;

/// <summary>
/// Every expression of loopback/schedules.json, evaluated at every recorded (image_i, loop_i), must give the value
/// and Python type CPython gave (tolerance: exact; floats compared bit for bit and by their shortest repr).
/// </summary>
public class ScheduleGoldenTests
{
    private static string DataPath => GoldenData.Path("loopback", "schedules.json");

    public static TheoryData<string> ExpressionNames()
    {
        var data = new TheoryData<string>();
        using var document = JsonDocument.Parse(File.ReadAllText(DataPath));
        foreach (var expression in document.RootElement.GetProperty("expressions").EnumerateArray())
            data.Add(expression.GetProperty("name").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(ExpressionNames))]
    [Trait("Category", "Golden")]
    [Trait("Area", "loopback")]
    public void EvaluatesToTheRecordedValueAndType(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(DataPath));
        var expression = document.RootElement.GetProperty("expressions").EnumerateArray()
            .Single(e => e.GetProperty("name").GetString() == name);
        var text = expression.GetProperty("expr").GetString()!;
        var schedule = Schedule.Parse(name, text);

        var failures = new List<string>();
        int checkedResults = 0;
        foreach (var result in expression.GetProperty("results").EnumerateArray())
        {
            int imageI = result.GetProperty("image_i").GetInt32(), loopI = result.GetProperty("loop_i").GetInt32();
            var expectedType = result.GetProperty("type").GetString()!;
            var where = $"{name} `{text}` at image_i={imageI}, loop_i={loopI}";
            checkedResults++;
            if (expectedType == "error")
            {
                var error = Record.Exception(() => schedule.Evaluate(imageI, loopI));
                if (error is not ScheduleEvaluationException) failures.Add($"{where}: expected an error, got {error?.GetType().Name ?? "a value"}");
                continue;
            }

            ScheduleValue actual;
            try
            {
                actual = schedule.Evaluate(imageI, loopI);
            }
            catch (ScheduleException error)
            {
                failures.Add($"{where}: {error.Message}");
                continue;
            }
            if (actual.TypeName != expectedType)
            {
                failures.Add($"{where}: type {actual.TypeName}, expected {expectedType} (value {actual.Repr()})");
                continue;
            }
            if (result.TryGetProperty("repr", out var repr) && actual.Repr() != repr.GetString())
                failures.Add($"{where}: repr {actual.Repr()}, expected {repr.GetString()}");
            var value = result.GetProperty("value");
            if (expectedType == "float")
            {
                double expected = value.GetDouble(), got = ((FloatValue)actual).Value;
                if (BitConverter.DoubleToInt64Bits(expected) != BitConverter.DoubleToInt64Bits(got))
                    failures.Add($"{where}: {got:R}, expected {expected:R} (difference {got - expected:R}, tolerance 0)");
            }
            if (result.TryGetProperty("item_types", out var itemTypes) && itemTypes.ValueKind == JsonValueKind.Array)
            {
                var expectedItems = itemTypes.EnumerateArray().Select(t => t.GetString()).ToArray();
                var actualItems = ((SequenceValue)actual).Items.Select(i => i.TypeName).ToArray();
                if (!expectedItems.SequenceEqual(actualItems))
                    failures.Add($"{where}: item types [{string.Join(", ", actualItems)}], expected [{string.Join(", ", expectedItems)}]");
            }
            if (expectedType == "function" && actual is not LambdaValue)
                failures.Add($"{where}: a function value that is not a lambda ({actual.Repr()})");
        }

        Assert.True(checkedResults > 0, $"{name}: no results recorded");
        Assert.True(failures.Count == 0, $"{failures.Count} of {checkedResults} results differ:\n" + string.Join("\n", failures));
    }

    [Fact]
    [Trait("Category", "Golden")]
    [Trait("Area", "loopback")]
    public void TheDataCoversAllTwelveSchedulesOfTheOriginal()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(DataPath));
        var names = document.RootElement.GetProperty("expressions").EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToHashSet();
        foreach (var name in ScheduleNames.InEvaluationOrder)
            Assert.True(names.Contains(name), $"schedules.json has no case for {name}");
    }
}
