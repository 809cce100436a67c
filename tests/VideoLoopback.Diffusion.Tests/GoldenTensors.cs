using VideoLoopback.Diffusion.Safetensors;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests;

/// <summary>What every golden folder's tests share: cases enumerated from a golden tensor file, and the tolerance check.</summary>
public static class GoldenTensors
{
    /// <summary>The tensor names of the golden file at <paramref name="path"/> that end in <paramref name="suffix"/>, without it, sorted.</summary>
    public static TheoryData<string> CasesOf(string path, string suffix)
    {
        var data = new TheoryData<string>();
        using var golden = SafetensorsFile.Open(path);
        foreach (var entry in golden.Entries.Where(e => e.Name.EndsWith(suffix, StringComparison.Ordinal)).OrderBy(e => e.Name, StringComparer.Ordinal))
            data.Add(entry.Name[..^suffix.Length]);
        return data;
    }

    /// <summary>Asserts |actual − expected| ≤ tolerance everywhere, naming the case and the error; returns the max error.</summary>
    public static double AssertClose(string what, Tensor expected, Tensor actual, double tolerance)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape),
            $"{what}: shape [{string.Join(",", actual.shape)}], expected [{string.Join(",", expected.shape)}]");
        using var diff = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs().max();
        double max = diff.item<double>();
        Assert.True(max <= tolerance, $"{what}: max abs diff {max:E3} > {tolerance:E1}");
        return max;
    }
}
