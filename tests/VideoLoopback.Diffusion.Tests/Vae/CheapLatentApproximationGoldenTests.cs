using VideoLoopback.Diffusion.Tests.Sampling;
using VideoLoopback.Diffusion.Vae;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Vae;

/// <summary>
/// Every sampling/preview/cases.json case: WebUI's "Approx cheap" decoding (sd_vae_approx.cheap_approximation) and its
/// preview image (sd_samplers_common.single_sample_to_image), on random latents. Tolerances (README): RGB ≤ 1e-6 absolute,
/// image exact except where a value sits within float rounding of an integer (then one level, at most 1% of the values).
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sampling")]
public sealed class CheapLatentApproximationGoldenTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in SamplingGolden.Json("preview/cases.json").GetProperty("cases").EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesWebUi(string name)
    {
        using var scope = NewDisposeScope();
        var c = SamplingGolden.Json("preview/cases.json").GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        var shape = c.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var latent = tensor(SamplingGolden.Floats(c.GetProperty("latent")), shape);
        long h = shape[1], w = shape[2];

        var expectedRgb = tensor(SamplingGolden.Floats(c.GetProperty("rgb")), [3, h, w]);
        double rgbError = (CheapLatentApproximation.ToRgb(latent) - expectedRgb).abs().max().item<float>();
        Assert.True(rgbError <= 1e-6, $"{name}: RGB approximation off by {rgbError:E2} (tolerance 1e-6)");

        var hwc = c.GetProperty("image_hwc").EnumerateArray().Select(e => (byte)e.GetInt32()).ToArray();
        var expectedImage = tensor(hwc, [h, w, 3]).permute(2, 0, 1).to(ScalarType.Int32);
        var diff = (CheapLatentApproximation.ToImage(latent).to(ScalarType.Int32) - expectedImage).abs();
        int worst = diff.max().item<int>();
        long differing = diff.gt(0).sum().item<long>();
        Assert.True(worst <= 1 && differing <= diff.numel() / 100,
            $"{name}: preview image differs by up to {worst} level(s) at {differing} of {diff.numel()} values");
    }
}
