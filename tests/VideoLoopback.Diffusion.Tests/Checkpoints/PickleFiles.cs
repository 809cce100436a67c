using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Checkpoints;

/// <summary>The PyTorch-written pickles of tests/golden/sd15/pickles (see its README) and how to compare what they hold.</summary>
internal static class PickleFiles
{
    public static string Path(string name) => GoldenData.Path("sd15", "pickles", name);

    /// <summary>Every tensor of <paramref name="file"/> equals the one of the same name in <paramref name="reference"/>: dtype, shape and bits.</summary>
    public static void AssertSameTensors(StateDictFile file, SafetensorsFile reference, bool sameKeys = true)
    {
        if (sameKeys) Assert.Equal(reference.Keys.Order(StringComparer.Ordinal), file.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
        foreach (var entry in file.Tensors)
        {
            using var scope = NewDisposeScope();
            var actual = file.Load(entry.Name);
            var expected = reference.Load(entry.Name);
            Assert.True(expected.dtype == actual.dtype, $"{file.Path}: '{entry.Name}' is {actual.dtype}, expected {expected.dtype}");
            Assert.True(expected.shape.SequenceEqual(actual.shape),
                $"{file.Path}: '{entry.Name}' is [{string.Join(",", actual.shape)}], expected [{string.Join(",", expected.shape)}]");
            Assert.True(expected.shape.SequenceEqual(entry.Shape), $"{file.Path}: '{entry.Name}' is listed with another shape");
            Assert.True(Bits(expected).SequenceEqual(Bits(actual)), $"{file.Path}: '{entry.Name}' differs from the reference");
        }
    }

    private static byte[] Bits(Tensor t) => t.contiguous().cpu().bytes.ToArray();
}
