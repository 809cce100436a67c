using System.Text.Json;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Sampling.Noise;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sampling;

/// <summary>
/// Every case of noise.safetensors: WebUI's ImageRNG (seed, variation seed, seed resize, batches,
/// eta noise seed delta) for the CPU source (≤ 1e-6) and the NV Philox source (≤ 1e-5), plus the raw streams.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sampling")]
public class NoiseGoldenTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static JsonElement Cases => SamplingGolden.Json("noise.json").GetProperty("cases");

    public static TheoryData<string> ImageNoiseCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases.EnumerateObject()) data.Add(c.Name);
        return data;
    }

    public static TheoryData<string> RawStreamCases()
    {
        var data = new TheoryData<string>();
        using var file = SafetensorsFile.Open(SamplingGolden.PathOf("noise.safetensors"));
        foreach (var key in file.Keys.Where(k => k.StartsWith("raw/")).Order()) data.Add(key);
        return data;
    }

    private static ulong[] Seeds(JsonElement e) => e.EnumerateArray().Select(v => v.GetUInt64()).ToArray();

    [Theory]
    [MemberData(nameof(ImageNoiseCases))]
    public void ImageNoiseMatchesWebUi(string caseName)
    {
        using var scope = NewDisposeScope();
        var p = Cases.GetProperty(caseName);
        var source = RandnSourceNames.Parse(p.GetProperty("randn_source").GetString()!);
        double tolerance = source == RandnSource.NV ? 1e-5 : 1e-6;
        using var noise = new ImageNoise(
            p.GetProperty("shape_CHW").EnumerateArray().Select(v => v.GetInt64()).ToArray(),
            Seeds(p.GetProperty("seeds")), source, CPU,
            subseeds: p.TryGetProperty("subseeds", out var sub) ? Seeds(sub) : null,
            subseedStrength: p.TryGetProperty("subseed_strength", out var strength) ? strength.GetDouble() : 0,
            seedResizeFromHeight: p.TryGetProperty("seed_resize_from_h", out var rh) ? rh.GetInt32() : 0,
            seedResizeFromWidth: p.TryGetProperty("seed_resize_from_w", out var rw) ? rw.GetInt32() : 0,
            etaNoiseSeedDelta: p.GetProperty("eta_noise_seed_delta").GetUInt64());
        using var file = SafetensorsFile.Open(SamplingGolden.PathOf("noise.safetensors"));
        output.WriteLine("scaled error {0:E2}: {1}", SamplingGolden.AssertTensorClose($"{caseName} first", file.Load(caseName + "/first"), noise.Next(), tolerance, scaleByMax: false), $"{caseName} first");
        int nextCount = p.GetProperty("n_next_after_first").GetInt32();
        var nexts = Enumerable.Range(0, nextCount).Select(_ => noise.Next()).ToList();
        output.WriteLine("scaled error {0:E2}: {1}", SamplingGolden.AssertTensorClose($"{caseName} next", file.Load(caseName + "/next"), stack(nexts), tolerance, scaleByMax: false), $"{caseName} next");
    }

    [Theory]
    [MemberData(nameof(RawStreamCases))]
    public void RawGeneratorStreamMatches(string key)
    {
        using var scope = NewDisposeScope();
        // raw/<philox|torchcpu>_seed<s>_randn_4x8x8_then_4x8x8: two consecutive randn calls of one generator.
        var name = key["raw/".Length..];
        var source = name.StartsWith("philox") ? RandnSource.NV : RandnSource.Cpu;
        ulong seed = ulong.Parse(name.Split('_')[1]["seed".Length..]);
        using var generator = NoiseGenerator.Create(source, seed, CPU);
        var actual = stack([generator.Randn([4, 8, 8]), generator.Randn([4, 8, 8])]);
        using var file = SafetensorsFile.Open(SamplingGolden.PathOf("noise.safetensors"));
        output.WriteLine("scaled error {0:E2}: {1}", SamplingGolden.AssertTensorClose(key, file.Load(key), actual, source == RandnSource.NV ? 1e-5 : 1e-6, scaleByMax: false), key);
    }
}

/// <summary>Behaviour without golden data: the GPU source on a CPU device, batch seeds, bad input.</summary>
public class NoiseBehaviourTests
{
    [Fact]
    public void GpuSourceOnCpuDeviceEqualsCpuSource()
    {
        using var scope = NewDisposeScope();
        using var gpu = new ImageNoise([4, 16, 16], [1234UL, 1235UL], RandnSource.Gpu, CPU, [5678UL, 5679UL], 0.3, etaNoiseSeedDelta: 31337);
        using var cpu = new ImageNoise([4, 16, 16], [1234UL, 1235UL], RandnSource.Cpu, CPU, [5678UL, 5679UL], 0.3, etaNoiseSeedDelta: 31337);
        for (int call = 0; call < 3; call++)
            Assert.True(gpu.Next().equal(cpu.Next()).all().item<bool>(), $"call {call}: GPU source on the CPU differs from the CPU source");
    }

    [Fact]
    public void BatchSeedsCountUpSeedsWithoutVariationAndSubseedsWithIt()
    {
        var (seeds, subseeds) = BatchSeeds.For(100, 7, 0, 3);
        Assert.Equal([100UL, 101UL, 102UL], seeds);
        (seeds, subseeds) = BatchSeeds.For(100, 7, 0.5, 3);
        Assert.Equal([100UL, 100UL, 100UL], seeds);
        Assert.Equal([7UL, 8UL, 9UL], subseeds);
    }

    [Fact]
    public void SubseedStrengthOutsideUnitIntervalIsRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ImageNoise([4, 8, 8], [1UL], RandnSource.Cpu, CPU, [2UL], 1.5));
        Assert.Contains("subseed strength", e.Message);
    }

    [Fact]
    public void UnknownRandnSourceNamesTheChoices()
    {
        var e = Assert.Throws<ArgumentException>(() => RandnSourceNames.Parse("TPU"));
        Assert.Contains("CPU, GPU or NV", e.Message);
    }
}
