using System.Text.Json;
using VideoLoopback.Video.Schedules;

namespace VideoLoopback.Video.Tests.Schedules;

/// <summary>
/// Python semantics beyond the golden schedules (floor division, f-string format specs, rounding, truthiness,
/// errors, ...). Expected results come from CPython 3.11 via Data/make_python_semantics.py (stored in
/// Data/python_semantics.json): type and repr must match exactly; errors must be the same Python exception class.
/// </summary>
public class PythonSemanticsTests
{
    private static readonly string DataPath = Path.Combine(AppContext.BaseDirectory, "Schedules", "Data", "python_semantics.json");

    public static TheoryData<int, string> Cases()
    {
        var data = new TheoryData<int, string>();
        using var document = JsonDocument.Parse(File.ReadAllText(DataPath));
        int index = 0;
        foreach (var item in document.RootElement.GetProperty("cases").EnumerateArray())
            data.Add(index++, item.GetProperty("expr").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesCPython(int index, string expression)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(DataPath));
        var item = document.RootElement.GetProperty("cases")[index];
        int imageI = item.GetProperty("image_i").GetInt32(), loopI = item.GetProperty("loop_i").GetInt32();
        var expectedType = item.GetProperty("type").GetString()!;
        var where = $"case {index} `{expression}` at image_i={imageI}, loop_i={loopI}";

        var schedule = Schedule.Parse("test_schedule", expression);
        if (expectedType == "error")
        {
            var kind = item.GetProperty("error").GetString()!;
            var error = Assert.ThrowsAny<ScheduleEvaluationException>(() => schedule.Evaluate(imageI, loopI));
            Assert.True(error.Problem.StartsWith(kind + ":", StringComparison.Ordinal),
                $"{where}: CPython raises {kind} ({item.GetProperty("message").GetString()}), we raised: {error.Problem}");
            return;
        }

        var value = schedule.Evaluate(imageI, loopI);
        Assert.True(value.TypeName == expectedType, $"{where}: type {value.TypeName}, CPython gives {expectedType} ({value.Repr()})");
        if (item.GetProperty("repr").ValueKind == JsonValueKind.String)
            Assert.True(value.Repr() == item.GetProperty("repr").GetString(), $"{where}: {value.Repr()}, CPython gives {item.GetProperty("repr").GetString()}");
    }
}
