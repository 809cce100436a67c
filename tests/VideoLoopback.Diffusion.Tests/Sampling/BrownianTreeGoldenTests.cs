using System.Text.Json;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Sampling.Noise;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sampling;

/// <summary>
/// samplers.safetensors brownian_tree_cpu cases: k-diffusion's BrownianTreeNoiseSampler over torchsde's
/// BrownianInterval with WebUI's randn_local patch (CPU source), seed samplers.json brownian_seed. First
/// the tree alone: asked at the recorded (sigma, sigma_next) of every draw it must return the recorded
/// brownian_noises. Then each SDE sampler driven by the ported tree must ask at exactly those times and
/// reproduce the recorded trajectory.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sampling")]
public class BrownianTreeGoldenTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>README: CPU-source noise ≤ 1e-6 (the tree's bridge is float32 arithmetic on those draws).</summary>
    private const double NoiseTolerance = 1e-6;
    private const double TrajectoryTolerance = 1e-5;

    private static JsonElement Root => SamplingGolden.Json("samplers.json");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Root.GetProperty("cases").EnumerateObject())
            if (c.Name.EndsWith("/brownian_tree_cpu")) data.Add(c.Name);
        return data;
    }

    private static List<(double Sigma, double SigmaNext)> DrawLog(JsonElement info) =>
        info.GetProperty("noise_draw_log").EnumerateArray()
            .Select(d => (d.GetProperty("sigma").GetDouble(), d.GetProperty("sigma_next").GetDouble())).ToList();

    private static BrownianTreeNoiseSampler TreeFor(JsonElement info, Tensor xInit)
    {
        var sigmas = SamplingGolden.Floats(info.GetProperty("sigmas"));
        ulong seed = Root.GetProperty("brownian_seed").GetUInt64();
        return BrownianTreeNoiseSampler.For(xInit, sigmas, [seed], RandnSource.Cpu);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TreeReproducesRecordedNoise(string caseName)
    {
        using var scope = NewDisposeScope();
        var info = Root.GetProperty("cases").GetProperty(caseName);
        using var file = SafetensorsFile.Open(SamplingGolden.PathOf("samplers.safetensors"));
        var expected = file.Load(caseName + "/brownian_noises");
        var log = DrawLog(info);
        Assert.True(log.Count == expected.shape[0], $"{caseName}: {log.Count} logged draws but {expected.shape[0]} recorded noises");
        using var tree = TreeFor(info, file.Load(caseName + "/x_init"));
        double worst = 0;
        for (int k = 0; k < log.Count; k++)
        {
            var noise = tree.Sample(log[k].Sigma, log[k].SigmaNext);
            worst = Math.Max(worst, SamplingGolden.AssertTensorClose(
                $"{caseName} draw {k} ({log[k].Sigma} → {log[k].SigmaNext})", expected[k].reshape(noise.shape), noise, NoiseTolerance));
        }
        output.WriteLine("scaled error {0:E2}: {1} ({2} draws)", worst, caseName, log.Count);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SamplerWithTreeMatchesKDiffusion(string caseName)
    {
        using var scope = NewDisposeScope();
        var info = Root.GetProperty("cases").GetProperty(caseName);
        using var file = SafetensorsFile.Open(SamplingGolden.PathOf("samplers.safetensors"));
        var xInit = file.Load(caseName + "/x_init");
        var sigmas = SamplingGolden.Floats(info.GetProperty("sigmas"));
        using var tree = TreeFor(info, xInit);
        var asked = new List<(double Sigma, double SigmaNext)>();
        var xs = new List<Tensor>();
        var context = new SamplerContext((x, s) =>
        {
            var sg = s.reshape(-1, 1, 1, 1);
            return x * (1 / (1 + sg * sg)) + 0.1 * x.tanh();
        }, sigmas, () => throw new InvalidOperationException($"{caseName}: an SDE sampler drew from randn_like"))
        {
            NoiseSampler = (sigma, sigmaNext) => { asked.Add((sigma, sigmaNext)); return tree.Sample(sigma, sigmaNext); },
            Callback = step => xs.Add(step.X.clone().MoveToOuterDisposeScope()),
        };
        var final = SamplerRegistry.Get(info.GetProperty("sampler").GetString()!).Run!(context, xInit);

        var log = DrawLog(info);
        Assert.True(log.Count == asked.Count, $"{caseName}: sampler asked the tree {asked.Count} times, upstream {log.Count}");
        for (int k = 0; k < log.Count; k++)
            Assert.True((float)log[k].Sigma == (float)asked[k].Sigma && (float)log[k].SigmaNext == (float)asked[k].SigmaNext,
                $"{caseName}: draw {k} asked at ({asked[k].Sigma:R} → {asked[k].SigmaNext:R}), upstream at ({log[k].Sigma:R} → {log[k].SigmaNext:R})");
        output.WriteLine("scaled error {0:E2}: {1}", SamplingGolden.AssertTensorClose($"{caseName} x_callback", file.Load(caseName + "/x_callback"), stack(xs), TrajectoryTolerance), $"{caseName} x_callback");
        output.WriteLine("scaled error {0:E2}: {1}", SamplingGolden.AssertTensorClose($"{caseName} x_final", file.Load(caseName + "/x_final"), final, TrajectoryTolerance), $"{caseName} x_final");
    }
}
