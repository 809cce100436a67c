using System.Text.Json;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Diffusion.Unet;
using VideoLoopback.Tests.Shared;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Lora;

/// <summary>
/// kohya SDXL LoRA / LoCon files merged into the tiny SDXL model as WebUI's Lora extension merges them
/// (tests/golden/sdxl/lora_golden*.safetensors, README-lora.md): merged weights, every changed weight's change in short,
/// the towers' outputs, UNet eps, and the exact un-merge. Cases and multipliers come from the files' metadata.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sdxl")]
public class SdxlLoraGoldenTests(ITestOutputHelper output)
{
    private const double WeightTolerance = 1e-5, EpsTolerance = 5e-4, TextTolerance = 1e-4;
    private const string UnetPrefix = "model.diffusion_model.", ClipLPrefix = "conditioner.embedders.0.transformer.text_model.",
        BigGPrefix = "conditioner.embedders.1.model.";

    private sealed record Case(string File, string Stem, double Te, double Unet);

    private static string Folder => GoldenData.Path("sdxl");

    private static IEnumerable<string> GoldenFiles() =>
        Directory.GetFiles(Folder, "lora_golden*.safetensors").Order(StringComparer.Ordinal);

    private static List<Case> CasesOf(SafetensorsFile golden)
    {
        using var json = JsonDocument.Parse(golden.Metadata["cases"]);
        return json.RootElement.EnumerateArray().Select(c => new Case(c.GetProperty("file").GetString()!, c.GetProperty("stem").GetString()!,
            c.GetProperty("te").GetDouble(), c.GetProperty("unet").GetDouble())).ToList();
    }

    /// <summary>(golden file, LoRA stem) for every case; <c>base</c> is the model without a LoRA.</summary>
    public static TheoryData<string, string> Cases(bool withBase)
    {
        var data = new TheoryData<string, string>();
        foreach (var path in GoldenFiles())
        {
            using var golden = SafetensorsFile.Open(path);
            if (withBase) data.Add(Path.GetFileName(path), "base");
            foreach (var c in CasesOf(golden)) data.Add(Path.GetFileName(path), c.Stem);
        }
        return data;
    }

    public static TheoryData<string, string> LoraCases => Cases(false);
    public static TheoryData<string, string> TextCases => Cases(true);

    /// <summary>The tiny checkpoint's UNet weights (as parameters, float32) and both towers, with views by checkpoint key.</summary>
    private sealed class TinySdxl : IDisposable
    {
        public required Dictionary<string, Parameter> Unet { get; init; }
        public required ClipTextModel ClipL { get; init; }
        public required ClipTextModel BigG { get; init; }
        public required Tensor TextProjection { get; init; }

        public static TinySdxl Load(string path)
        {
            using var file = StateDictFile.Open(path);
            var unet = file.LoadAll(k => k.StartsWith(UnetPrefix, StringComparison.Ordinal), ScalarType.Float32)
                .ToDictionary(p => p.Key[UnetPrefix.Length..], p => new Parameter(p.Value, requires_grad: false), StringComparer.Ordinal);
            var clipWeights = file.LoadAll(k => k.StartsWith(ClipLPrefix, StringComparison.Ordinal), ScalarType.Float32)
                .ToDictionary(p => p.Key[ClipLPrefix.Length..], p => p.Value);
            using var config = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(path, null) + ".config.json"));
            var clipL = ClipTextModel.FromTensors(clipWeights, ClipTextConfig.Detect(file, ClipLPrefix, config.RootElement.GetProperty("clip_heads").GetInt32()));
            foreach (var t in clipWeights.Values) t.Dispose();
            var bigG = OpenClipTextModel.FromCheckpoint(file, CPU, ScalarType.Float32, config.RootElement.GetProperty("openclip_heads").GetInt32(), BigGPrefix);
            return new TinySdxl { Unet = unet, ClipL = clipL, BigG = bigG, TextProjection = file.Load(BigGPrefix + "text_projection", ScalarType.Float32) };
        }

        public LoraMerger Merger() => LoraMerger.FromParameters(Unet, LoraTextTower.For([ClipL, BigG]));

        /// <summary>Every LoRA-changeable weight by checkpoint key; bigG's packed in_proj is its q, k, v stacked.</summary>
        public Dictionary<string, Tensor> Weights()
        {
            var weights = Unet.ToDictionary(p => UnetPrefix + p.Key, p => (Tensor)p.Value, StringComparer.Ordinal);
            foreach (var (name, p) in ClipL.named_parameters()) weights[ClipLPrefix + name] = p;
            foreach (var group in BigG.named_parameters().Where(p => p.name.StartsWith("encoder.", StringComparison.Ordinal))
                         .Select(p => (Source: OpenClipTextModel.SourceOf(p.name), p.parameter)).GroupBy(p => p.Source.Key))
                weights[BigGPrefix + group.Key] = group.Count() == 1 ? group.Single().parameter
                    : cat(group.OrderBy(p => p.Source.Third).Select(p => (Tensor)p.parameter).ToList(), 0);
            return weights;
        }

        public void Dispose()
        {
            foreach (var p in Unet.Values) p.Dispose();
            ClipL.Dispose();
            BigG.Dispose();
            TextProjection.Dispose();
        }
    }

    private static (SafetensorsFile Golden, Case Case, TinySdxl Model, LoraNetwork Network) Open(string goldenFile, string stem)
    {
        var golden = SafetensorsFile.Open(Path.Combine(Folder, goldenFile));
        var model = TinySdxl.Load(Path.Combine(Folder, golden.Metadata["model"]));
        var lora = CasesOf(golden).Single(c => c.Stem == stem);
        return (golden, lora, model, LoraNetwork.Load(Path.Combine(Folder, lora.File)));
    }

    private static double MaxAbs(Tensor actual, Tensor expected, string what)
    {
        Assert.True(actual.shape.SequenceEqual(expected.shape), $"{what}: shape [{string.Join(",", actual.shape)}], expected [{string.Join(",", expected.shape)}]");
        return AdapterGolden.MaxAbs(actual, expected);
    }

    [Theory]
    [MemberData(nameof(LoraCases))]
    public void MergedWeightsMatchWebUi(string goldenFile, string stem)
    {
        using var scope = NewDisposeScope();
        var (golden, lora, model, network) = Open(goldenFile, stem);
        using var _ = golden;
        using var __ = model;
        using var ___ = network;
        var before = model.Weights().ToDictionary(p => p.Key, p => p.Value.detach().clone());
        using var merger = model.Merger();
        merger.Apply([new LoraActivation(network, lora.Te, lora.Unet)]);
        var after = model.Weights();

        string prefix = stem + ".merged.";
        int whole = 0;
        foreach (var entry in golden.Entries.Where(e => e.Name.StartsWith(prefix, StringComparison.Ordinal)))
        {
            string key = entry.Name[prefix.Length..];
            double error = MaxAbs(after[key], golden.Load(entry.Name), $"{stem} '{key}'");
            Assert.True(error <= WeightTolerance, $"{goldenFile} {stem}: merged '{key}' max-abs {error:E3} > {WeightTolerance:E0}");
            whole++;
        }

        // Every weight WebUI changed, and only those, changed by the same amount (sum and sum of |.| of the change).
        using var mapping = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "lora_mapping.json")));
        var changed = mapping.RootElement.GetProperty(stem).GetProperty("changed_weights").EnumerateObject()
            .ToDictionary(p => p.Name, p => (Sum: p.Value[0].GetDouble(), L1: p.Value[1].GetDouble()));
        var ours = after.Where(p => !AdapterGolden.BitEqual(p.Value.detach().contiguous(), before[p.Key])).Select(p => p.Key).ToHashSet();
        Assert.True(ours.SetEquals(changed.Keys), $"{goldenFile} {stem}: changed weights differ from WebUI's: only here " +
            $"[{string.Join(", ", ours.Except(changed.Keys).Take(5))}], only in WebUI [{string.Join(", ", changed.Keys.Except(ours).Take(5))}]");
        foreach (var (key, (sum, l1)) in changed)
        {
            using var delta = after[key].to(ScalarType.Float64) - before[key].to(ScalarType.Float64);
            double bound = WeightTolerance * delta.numel();
            double sumError = Math.Abs(delta.sum().item<double>() - sum), l1Error = Math.Abs(delta.abs().sum().item<double>() - l1);
            Assert.True(sumError <= bound && l1Error <= bound,
                $"{goldenFile} {stem}: change of '{key}' sums to {sumError:E3} / abs-sums to {l1Error:E3} away from WebUI's (bound {bound:E1})");
        }
        output.WriteLine($"{goldenFile} {stem}: {whole} merged weights compared whole, {changed.Count} changes compared in short");
    }

    [Theory]
    [MemberData(nameof(TextCases))]
    public void TextTowerOutputsMatchWebUi(string goldenFile, string stem)
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(Path.Combine(Folder, goldenFile));
        using var model = TinySdxl.Load(Path.Combine(Folder, golden.Metadata["model"]));
        using var merger = model.Merger();
        LoraNetwork? network = null;
        try
        {
            if (stem != "base")
            {
                var lora = CasesOf(golden).Single(c => c.Stem == stem);
                network = LoraNetwork.Load(Path.Combine(Folder, lora.File));
                merger.Apply([new LoraActivation(network, lora.Te, lora.Unet)]);
            }
            var tokensL = golden.Load("inputs.clip_l_tokens");
            var tokensG = golden.Load("inputs.bigg_tokens");
            using var clipL = model.ClipL.EncodeWithHiddenStates(tokensL);
            using var bigG = model.BigG.EncodeWithHiddenStates(tokensG);
            var eot = tokensG.argmax(-1);
            var pooled = bigG.LastHiddenState[arange(tokensG.shape[0]), eot].mm(model.TextProjection);
            var checks = new (string Name, Tensor Actual)[]
            {
                ("clip_l.penultimate", clipL.HiddenStates[^2]), ("clip_l.last_hidden_state", clipL.LastHiddenState),
                ("bigg.penultimate", bigG.HiddenStates[^2]), ("bigg.last", bigG.HiddenStates[^1]),
                ("bigg.last_hidden_state", bigG.LastHiddenState), ("bigg.pooled", pooled),
            };
            foreach (var (name, actual) in checks)
            {
                double error = MaxAbs(actual, golden.Load($"{stem}.{name}"), $"{stem}.{name}");
                output.WriteLine($"{goldenFile} {stem}.{name}: max-abs {error:E3}");
                Assert.True(error <= TextTolerance, $"{goldenFile} {stem}: {name} max-abs {error:E3} > {TextTolerance:E0}");
            }
        }
        finally
        {
            network?.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(LoraCases))]
    public void UnmergeRestoresEveryWeightBitExactly(string goldenFile, string stem)
    {
        using var scope = NewDisposeScope();
        var (golden, lora, model, network) = Open(goldenFile, stem);
        using var _ = golden;
        using var __ = model;
        using var ___ = network;
        var before = model.Weights().ToDictionary(p => p.Key, p => p.Value.detach().clone());
        var merger = model.Merger();
        var set = new[] { new LoraActivation(network, lora.Te, lora.Unet) };
        merger.Apply(set);
        Assert.Contains(model.Weights(), p => !AdapterGolden.BitEqual(p.Value.detach().contiguous(), before[p.Key]));
        merger.Apply([set[0] with { TextEncoderMultiplier = -0.3, UnetMultiplier = 1.5 }]);
        merger.Apply([]);
        foreach (var (key, now) in model.Weights())
            Assert.True(AdapterGolden.BitEqual(now.detach().contiguous(), before[key]), $"{goldenFile} {stem}: '{key}' differs from the original after un-merge");
        merger.Dispose();
    }

    /// <summary>UNet eps with the LoRA merged into the tiny SDXL UNet and both text towers.</summary>
    [Theory]
    [MemberData(nameof(TextCases))]
    public void UnetEpsMatchesWebUi(string goldenFile, string stem)
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(Path.Combine(Folder, goldenFile));
        using var unet = Sdxl.SdxlGolden.LoadUnet(golden.Metadata["model"]);
        using var towers = TinySdxl.Load(Path.Combine(Folder, golden.Metadata["model"]));
        using var merger = new LoraMerger(unet, LoraTextTower.For([towers.ClipL, towers.BigG]));
        LoraNetwork? network = null;
        try
        {
            if (stem != "base")
            {
                var lora = CasesOf(golden).Single(c => c.Stem == stem);
                network = LoraNetwork.Load(Path.Combine(Folder, lora.File));
                merger.Apply([new LoraActivation(network, lora.Te, lora.Unet)]);
            }
            using var noGrad = no_grad();
            var eps = unet.Forward(golden.Load("inputs.x"), golden.Load("inputs.timesteps"), golden.Load("inputs.context"),
                y: golden.Load("inputs.y"));
            double error = MaxAbs(eps, golden.Load(stem + ".eps"), $"{stem}.eps");
            output.WriteLine($"{goldenFile} {stem}: eps max-abs {error:E3}");
            Assert.True(error <= EpsTolerance, $"{goldenFile} {stem}: eps max-abs {error:E3} > {EpsTolerance:E0}");
        }
        finally
        {
            network?.Dispose();
        }
    }
}
