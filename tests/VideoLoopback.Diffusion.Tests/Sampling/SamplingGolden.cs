using System.Text.Json;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sampling;

/// <summary>Access to tests/golden/sampling and the comparisons the golden README prescribes.</summary>
internal static class SamplingGolden
{
    public static string PathOf(params string[] parts) => GoldenData.Path(["sampling", .. parts]);

    private static readonly Dictionary<string, JsonDocument> Documents = [];

    public static JsonElement Json(string file)
    {
        lock (Documents)
        {
            if (!Documents.TryGetValue(file, out var document))
            {
                // Python's json writes bare Infinity/NaN; turn them into strings that GetDouble-style readers below understand.
                var text = System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(PathOf(file)), @"(?<=[:\[,]\s*)(-?Infinity|NaN)(?=\s*[,\]}])", "\"$1\"");
                document = JsonDocument.Parse(text);
                Documents[file] = document;
            }
            return document.RootElement;
        }
    }

    /// <summary>A number that may have been written as the string "Infinity"/"-Infinity"/"NaN".</summary>
    public static double Number(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? double.Parse(e.GetString()!, System.Globalization.CultureInfo.InvariantCulture)
        : e.GetDouble();

    public static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
    public static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    /// <summary>Max |a-b| / max(1, |b|) per element over two lists; asserts it is ≤ tolerance.</summary>
    public static void AssertListClose(string what, IReadOnlyList<double> expected, IReadOnlyList<double> actual, double relativeTolerance)
    {
        Assert.True(expected.Count == actual.Count, $"{what}: length {actual.Count}, expected {expected.Count}");
        double worst = 0; int worstIndex = -1;
        for (int i = 0; i < expected.Count; i++)
        {
            double error = Math.Abs(expected[i] - actual[i]) / Math.Max(1, Math.Abs(expected[i]));
            if (error > worst) { worst = error; worstIndex = i; }
        }
        Assert.True(worst <= relativeTolerance,
            $"{what}: worst scaled error {worst:E3} at [{worstIndex}] (got {(worstIndex >= 0 ? actual[worstIndex] : 0)}, expected {(worstIndex >= 0 ? expected[worstIndex] : 0)}), tolerance {relativeTolerance:E1}");
    }

    /// <summary>max |a−b| ≤ tolerance × max(1, max |expected|); returns the scaled error.</summary>
    public static double AssertTensorClose(string what, Tensor expected, Tensor actual, double tolerance, bool scaleByMax = true)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape),
            $"{what}: shape [{string.Join(",", actual.shape)}], expected [{string.Join(",", expected.shape)}]");
        using var e = expected.to_type(ScalarType.Float64);
        using var a = actual.to_type(ScalarType.Float64);
        double maxDiff = (e - a).abs().max().item<double>();
        double scale = scaleByMax ? Math.Max(1, e.abs().max().item<double>()) : 1;
        Assert.True(maxDiff <= tolerance * scale,
            $"{what}: max abs diff {maxDiff:E3} > {tolerance:E1} × {scale:G4}");
        return maxDiff / scale;
    }
}
