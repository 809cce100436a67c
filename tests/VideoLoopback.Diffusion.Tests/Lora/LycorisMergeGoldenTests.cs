using System.Text.Json;
using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Lora;

/// <summary>
/// LoHa, LoKr (factorised and whole w1), full diff, DoRA and diffusers/PEFT files (adapters/lycoris) merged into the tiny
/// SD1.5 model against WebUI's Lora-extension modules, at each case's multipliers; un-merging restores every weight exactly.
/// </summary>
public class LycorisMergeGoldenTests
{
    private const double MergedTolerance = 1e-5;

    private static string Folder => GoldenData.Path("adapters", "lycoris");
    private static string GoldenFile => Path.Combine(Folder, "golden_lycoris.safetensors");

    private static List<JsonElement> CaseList()
    {
        using var golden = SafetensorsFile.Open(GoldenFile);
        using var document = JsonDocument.Parse(golden.Metadata["cases"]);
        return document.RootElement.EnumerateArray().Select(c => c.Clone()).ToList();
    }

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in CaseList()) data.Add(c.GetProperty("case").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    [Trait("Category", "Golden")]
    [Trait("Area", "adapters")]
    public void MergedWeightsMatchAndUnmergeRestores(string name)
    {
        var c = CaseList().Single(x => x.GetProperty("case").GetString() == name);
        using var golden = SafetensorsFile.Open(GoldenFile);
        string model = AdapterGolden.ModelOf(golden);
        using var unet = AdapterGolden.LoadUnet(model);
        using var text = AdapterGolden.LoadTextEncoder(model);
        var parameters = unet.named_parameters().Select(p => (KohyaLoraNames.UnetKeyPrefix + p.name, p.parameter))
            .Concat(text.named_parameters().Select(p => (KohyaLoraNames.TextEncoderKeyPrefix + p.name, p.parameter)))
            .ToDictionary(p => p.Item1, p => p.parameter);
        var originals = parameters.ToDictionary(p => p.Key, p => p.Value.detach().clone());

        using var network = LoraNetwork.Load(Path.Combine(Folder, c.GetProperty("file").GetString()!));
        using var merger = new LoraMerger(unet, text);
        merger.Apply([new LoraActivation(network, c.GetProperty("te").GetDouble(), c.GetProperty("unet").GetDouble())]);

        string prefix = name + ".merged.";
        var keys = golden.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(keys);
        foreach (var key in keys)
        {
            string ldmKey = key[prefix.Length..];
            using var expected = golden.Load(key, ScalarType.Float32);
            double diff = AdapterGolden.MaxAbs(parameters[ldmKey], expected);
            Assert.True(diff <= MergedTolerance, $"{name}: '{ldmKey}' differs by {diff:E2} (tolerance {MergedTolerance:E0})");
        }

        merger.Restore();
        foreach (var (key, original) in originals)
            Assert.True(AdapterGolden.BitEqual(parameters[key], original), $"{name}: '{key}' not restored exactly");
        foreach (var original in originals.Values) original.Dispose();
    }
}
