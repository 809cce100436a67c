using TorchSharp;
using VideoLoopback.Video.FastDvdNet;
using static TorchSharp.torch;
using VideoLoopback.Tests.Shared;

namespace VideoLoopback.Video.Tests.FastDvdNet;

/// <summary>
/// FastDVDNet against the reference (the extension's unchanged FastDVDNet code, torch 1.13 CPU), using the
/// stored noise as given. Tolerances: network outputs 1e-4 abs (computed in float64 on the CPU: about 4e-7); uint8 frames +-1, because a denoised value within ~1e-6 of a k/255 boundary can
/// truncate to the neighbouring byte, and that byte then moves the blend by at most 1.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "fastdvdnet")]
[Collection(LibTorchSwitchCollection.Name)]
public sealed class FastDvdNetGoldenTests
{
    private const double NetworkTolerance = 1e-4;
    private const int ByteTolerance = 1;

    public static TheoryData<string> Cases() => FastDvdNetGoldenCase.All();

    /// <summary>Cases x network batch sizes in frames (0 = the default batch): exercises the carry between chunks.</summary>
    public static TheoryData<string, int> CasesByBatch()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in FastDvdNetGoldenCase.Names())
            foreach (var frames in new[] { 0, 1, 2, 3 })
                data.Add(name, frames);
        return data;
    }

    private static FastDvdNetPostProcess PostProcess(FastDvdNetGoldenCase c, int batchFrames)
    {
        var model = FastDvdNetWeights.Load(FastDvdNetGoldenCase.WeightsPath, CPU);
        if (batchFrames == 0) return new FastDvdNetPostProcess(model);
        var (h, w) = ((c.Tensor("seq").shape[2] + 3) / 4 * 4, (c.Tensor("seq").shape[3] + 3) / 4 * 4);
        return new FastDvdNetPostProcess(model, batchFrames * h * w);
    }

    [Fact]
    public void GoldenCasesArePresent() => Assert.NotEmpty(FastDvdNetGoldenCase.Names());

    [Theory]
    [MemberData(nameof(Cases))]
    public void OneWindowMatchesTheReferenceTempDenoise(string name)
    {
        var c = new FastDvdNetGoldenCase(name);
        using var post = PostProcess(c, 0);
        using var output = post.DenoiseWindow(c.Tensor("frame0_model_input"), c.NoiseSigma);
        AssertClose(c, "frame0_temp_denoise_output", c.Tensor("frame0_temp_denoise_output"), output, NetworkTolerance);
    }

    [Theory]
    [MemberData(nameof(CasesByBatch))]
    public void SequenceMatchesTheReferenceOnTheStoredNoisyInput(string name, int batchFrames)
    {
        var c = new FastDvdNetGoldenCase(name);
        using var post = PostProcess(c, batchFrames);
        using var output = post.DenoiseSequence(c.Tensor("seqn"), c.NoiseSigma);
        AssertClose(c, $"denoised (batch {batchFrames} frames)", c.Tensor("denoised"), output, NetworkTolerance);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void WindowsMirrorAtBothEndsAsTheReference(string name)
    {
        var c = new FastDvdNetGoldenCase(name);
        var n = c.WindowIndices.Length;
        for (var f = 0; f < n; f++)
        {
            var ours = Enumerable.Range(f - 2, 5).Select(j => MirroredFrameIndex.Of(j, n)).ToArray();
            Assert.True(ours.SequenceEqual(c.WindowIndices[f]),
                $"{name}: window of frame {f} is [{string.Join(",", ours)}], reference [{string.Join(",", c.WindowIndices[f])}]");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void NoisyInputIsPngOver255PlusNoise(string name)
    {
        var c = new FastDvdNetGoldenCase(name);
        using var seq = c.Frames("input_frames").to(ScalarType.Float32) / 255f;
        AssertClose(c, "seq", c.Tensor("seq"), seq, 0);
        using var seqn = seq + c.Tensor("noise");
        AssertClose(c, "seqn", c.Tensor("seqn"), seqn, 0);
    }

    [Theory]
    [MemberData(nameof(CasesByBatch))]
    public void PostProcessWithTheStoredNoiseMatchesTheExtensionOutput(string name, int batchFrames)
    {
        var c = new FastDvdNetGoldenCase(name);
        using var post = PostProcess(c, batchFrames);
        var input = c.Frames("input_frames");
        var noise = c.Tensor("noise");
        NoiseSource stored = (start, count) => noise.narrow(0, start, count);

        using var blended = post.Apply(input, c.NoiseSigma255, c.Alpha, stored);
        AssertBytesClose(c, $"blended (batch {batchFrames})", c.Frames("blended"), blended);

        // alpha 1 returns the truncated denoised frames themselves: the extension's intermediate PNGs.
        using var denoised = post.Apply(input, c.NoiseSigma255, 1.0, stored);
        AssertBytesClose(c, $"denoised_uint8 (batch {batchFrames})", c.Frames("denoised_uint8"), denoised);
    }

    private static void AssertClose(FastDvdNetGoldenCase c, string what, Tensor expected, Tensor actual, double tolerance)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape),
            $"{c.Name}: {what} shape [{string.Join(",", actual.shape)}], expected [{string.Join(",", expected.shape)}]");
        var maxAbs = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs().max().item<double>();
        Assert.True(maxAbs <= tolerance, $"{c.Name}: {what} max abs error {maxAbs:E3} > tolerance {tolerance:E1}");
    }

    private static void AssertBytesClose(FastDvdNetGoldenCase c, string what, Tensor expected, Tensor actual)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape),
            $"{c.Name}: {what} shape [{string.Join(",", actual.shape)}], expected [{string.Join(",", expected.shape)}]");
        var difference = (actual.to(ScalarType.Int32) - expected.to(ScalarType.Int32)).abs();
        var maxAbs = difference.max().item<int>();
        var off = difference.gt(0).sum().item<long>();
        Assert.True(maxAbs <= ByteTolerance,
            $"{c.Name}: {what} max abs difference {maxAbs} > {ByteTolerance} ({off} of {difference.numel()} values differ)");
    }
}
