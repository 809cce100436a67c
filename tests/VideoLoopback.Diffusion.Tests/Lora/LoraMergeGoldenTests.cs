using System.Text.Json;
using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Safetensors;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Lora;

/// <summary>
/// LoRA / LoCon merged into the tiny SD1.x model as WebUI merges them: merged weights, UNet eps and CLIP last hidden state
/// against <c>golden_lora*.safetensors</c> (cases and multipliers read from the files' metadata), and the exact un-merge.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "adapters")]
public class LoraMergeGoldenTests(ITestOutputHelper output)
{
    private const double WeightTolerance = 1e-5, EpsTolerance = 5e-4, ClipTolerance = 1e-4;

    private sealed record Part(string File, double Te, double Unet, int? Dyn);

    /// <summary>(golden file, case) for every case of every <c>golden_lora*.safetensors</c>.</summary>
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var path in Directory.GetFiles(AdapterGolden.LoraFolder, "golden_lora*.safetensors").Order(StringComparer.Ordinal))
            foreach (var name in CasesOf(path).Keys) data.Add(Path.GetFileName(path), name);
        return data;
    }

    private static Dictionary<string, List<Part>> CasesOf(string goldenPath)
    {
        using var golden = SafetensorsFile.Open(goldenPath);
        var cases = new Dictionary<string, List<Part>>(StringComparer.Ordinal);
        if (golden.Metadata.TryGetValue("case_params", out var caseParams))
        {
            using var json = JsonDocument.Parse(caseParams);
            foreach (var lora in json.RootElement.GetProperty("loras").EnumerateObject())
                cases[lora.Name] = [new Part(lora.Name + ".safetensors", lora.Value.GetProperty("te").GetDouble(), lora.Value.GetProperty("unet").GetDouble(), null)];
        }
        if (golden.Metadata.TryGetValue("combos", out var combos))
        {
            using var json = JsonDocument.Parse(combos);
            foreach (var combo in json.RootElement.EnumerateObject())
                cases[combo.Name] = combo.Value.EnumerateArray().Select(p => new Part(p[0].GetString()!, p[1].GetDouble(), p[2].GetDouble(),
                    p[3].ValueKind == JsonValueKind.Null ? null : p[3].GetInt32())).ToList();
        }
        return cases;
    }

    /// <summary>The golden file holding the inputs and base outputs (<c>golden_lora.safetensors</c>).</summary>
    private static SafetensorsFile Inputs() => SafetensorsFile.Open(Path.Combine(AdapterGolden.LoraFolder, "golden_lora.safetensors"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void MergedModelMatchesWebUi(string goldenFile, string caseName)
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(Path.Combine(AdapterGolden.LoraFolder, goldenFile));
        using var inputs = Inputs();
        var model = AdapterGolden.ModelOf(inputs);
        using var unet = AdapterGolden.LoadUnet(model);
        using var clip = AdapterGolden.LoadTextEncoder(model);
        var parts = CasesOf(golden.FilePath)[caseName];
        var networks = parts.Select(p => LoraNetwork.Load(Path.Combine(AdapterGolden.LoraFolder, p.File))).ToList();
        try
        {
            using var merger = new LoraMerger(unet, clip);
            merger.Apply(parts.Zip(networks, (p, n) => new LoraActivation(n, p.Te, p.Unet, p.Dyn)).ToList());

            var weights = unet.named_parameters().ToDictionary(p => "model.diffusion_model." + p.name, p => (Tensor)p.parameter);
            foreach (var (name, parameter) in clip.named_parameters()) weights["cond_stage_model.transformer.text_model." + name] = parameter;
            string mergedPrefix = caseName + ".merged.";
            int mergedChecked = 0;
            foreach (var entry in golden.Entries.Where(e => e.Name.StartsWith(mergedPrefix, StringComparison.Ordinal)))
            {
                var key = entry.Name[mergedPrefix.Length..];
                double error = AdapterGolden.MaxAbs(weights[key], golden.Load(entry.Name));
                Assert.True(error <= WeightTolerance, $"{goldenFile} {caseName}: merged '{key}' max-abs {error:E3} > {WeightTolerance:E0}");
                mergedChecked++;
            }

            var eps = unet.Forward(inputs.Load("x"), inputs.Load("t"), inputs.Load("context"));
            double epsError = AdapterGolden.MaxAbs(eps, golden.Load(caseName + ".eps"));
            var hidden = clip.Encode(inputs.Load("input_ids"));
            double clipError = AdapterGolden.MaxAbs(hidden, golden.Load(caseName + ".clip_last_hidden_state"));
            output.WriteLine($"{goldenFile} {caseName}: {mergedChecked} merged weights checked, eps max-abs {epsError:E3}, CLIP max-abs {clipError:E3}");
            Assert.True(epsError <= EpsTolerance, $"{goldenFile} {caseName}: eps max-abs {epsError:E3} > {EpsTolerance:E0}");
            Assert.True(clipError <= ClipTolerance, $"{goldenFile} {caseName}: CLIP last hidden state max-abs {clipError:E3} > {ClipTolerance:E0}");
        }
        finally
        {
            foreach (var n in networks) n.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void UnmergeRestoresEveryWeightBitExactly(string goldenFile, string caseName)
    {
        using var scope = NewDisposeScope();
        using var inputs = Inputs();
        var model = AdapterGolden.ModelOf(inputs);
        using var unet = AdapterGolden.LoadUnet(model);
        using var clip = AdapterGolden.LoadTextEncoder(model);
        var before = unet.named_parameters().Concat(clip.named_parameters().Select(p => ("te." + p.name, p.parameter)))
            .Select(p => (p.Item1, Copy: p.Item2.detach().clone())).ToList();
        var parts = CasesOf(Path.Combine(AdapterGolden.LoraFolder, goldenFile))[caseName];
        var networks = parts.Select(p => LoraNetwork.Load(Path.Combine(AdapterGolden.LoraFolder, p.File))).ToList();
        try
        {
            var merger = new LoraMerger(unet, clip);
            var set = parts.Zip(networks, (p, n) => new LoraActivation(n, p.Te, p.Unet, p.Dyn)).ToList();
            merger.Apply(set);
            var after = unet.named_parameters().Concat(clip.named_parameters().Select(p => ("te." + p.name, p.parameter))).ToList();
            Assert.True(after.Zip(before).Any(p => !AdapterGolden.BitEqual(p.First.Item2, p.Second.Copy)), $"{caseName}: merging changed no weight");
            // A multiplier change, then the empty set: WebUI's frame-to-frame path.
            merger.Apply(set.Select(a => a with { UnetMultiplier = a.UnetMultiplier * 0.5 }).ToList());
            merger.Apply([]);
            foreach (var ((name, now), (_, copy)) in after.Zip(before))
                Assert.True(AdapterGolden.BitEqual(now, copy), $"{goldenFile} {caseName}: '{name}' differs from the original after un-merge");
            merger.Dispose();
        }
        finally
        {
            foreach (var n in networks) n.Dispose();
        }
    }

    [Fact]
    public void FilesLoadWithTheRecordedRanksAndAlphas()
    {
        using var mapping = JsonDocument.Parse(File.ReadAllText(Path.Combine(AdapterGolden.LoraFolder, "lora_mapping.json")));
        foreach (var file in mapping.RootElement.EnumerateObject())
        {
            using var network = LoraNetwork.Load(Path.Combine(AdapterGolden.LoraFolder, file.Value.GetProperty("file").GetString()!));
            var modules = network.Modules.Cast<LoraModule>().ToDictionary(m => m.KohyaName);
            var expected = file.Value.GetProperty("mapping").EnumerateArray().ToList();
            Assert.Equal(expected.Count, modules.Count);
            foreach (var m in expected)
            {
                var module = modules[m.GetProperty("kohya_module").GetString()!];
                Assert.Equal(m.GetProperty("rank").GetInt64(), module.Rank);
                Assert.Equal(m.GetProperty("alpha").GetDouble(), module.Alpha);
                Assert.Equal(m.GetProperty("lora_down_shape").EnumerateArray().Select(e => e.GetInt64()), module.Down.shape);
                Assert.Equal(m.GetProperty("lora_up_shape").EnumerateArray().Select(e => e.GetInt64()), module.Up.shape);
            }
        }
    }
}
