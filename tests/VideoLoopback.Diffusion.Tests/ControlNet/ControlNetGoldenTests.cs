using System.Text.Json;
using System.Text.RegularExpressions;
using VideoLoopback.Diffusion.ControlNet;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Tests.Lora;
using VideoLoopback.Diffusion.Unet;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.ControlNet;

/// <summary>
/// <c>golden_controlnet.safetensors</c>: residuals of the tiny ControlNets, and the tiny UNet's eps with control at the weights and
/// modes named by each <c>eps_*</c> case (weights read from the file's <c>case_params</c>, models from <c>model</c>/<c>controlnets</c>).
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "adapters")]
public partial class ControlNetGoldenTests(ITestOutputHelper output)
{
    private const double ResidualTolerance = 1e-5, EpsTolerance = 5e-4;

    private static string GoldenPath => Path.Combine(AdapterGolden.ControlNetFolder, "golden_controlnet.safetensors");

    [GeneratedRegex(@"^control_(?<unit>[A-Za-z]+)(?<cfg>_cfgpair)?\.\d+$")]
    private static partial Regex ResidualName();

    public static TheoryData<string> ResidualSets()
    {
        using var golden = SafetensorsFile.Open(GoldenPath);
        var data = new TheoryData<string>();
        foreach (var set in golden.Entries.Select(e => ResidualName().Match(e.Name)).Where(m => m.Success)
                     .Select(m => m.Groups["unit"].Value + m.Groups["cfg"].Value).Distinct().Order(StringComparer.Ordinal))
            data.Add(set);
        return data;
    }

    public static TheoryData<string> EpsCases()
    {
        using var golden = SafetensorsFile.Open(GoldenPath);
        var data = new TheoryData<string>();
        foreach (var name in golden.Entries.Select(e => e.Name).Where(n => n.StartsWith("eps_", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            data.Add(name);
        return data;
    }

    private static Dictionary<string, double> CaseParams(SafetensorsFile golden)
    {
        using var json = JsonDocument.Parse(golden.Metadata["case_params"]);
        return json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
    }

    private static ControlNetModel LoadControlNet(SafetensorsFile golden, string unit, UnetConfig unet)
    {
        using var json = JsonDocument.Parse(golden.Metadata["controlnets"]);
        return ControlNetModel.Load(Path.Combine(AdapterGolden.ControlNetFolder, json.RootElement.GetProperty(unit).GetString()!), unet, ModuleDevice.Cpu);
    }

    /// <summary>The UNet inputs: one row, or the CFG pair [cond, uncond] (x and t twice, both contexts).</summary>
    private static (Tensor X, Tensor T, Tensor Context) Inputs(SafetensorsFile golden, bool cfgPair)
    {
        var x = golden.Load("x");
        var t = golden.Load("t");
        var context = golden.Load("context");
        return cfgPair ? (cat([x, x]), cat([t, t]), cat([context, golden.Load("uncond_context")])) : (x, t, context);
    }

    [Theory]
    [MemberData(nameof(ResidualSets))]
    public void ResidualsMatch(string set)
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(GoldenPath);
        using var unet = AdapterGolden.LoadUnet(AdapterGolden.ModelOf(golden));
        bool cfgPair = set.EndsWith("_cfgpair", StringComparison.Ordinal);
        string unit = cfgPair ? set[..^"_cfgpair".Length] : set;
        using var controlNet = LoadControlNet(golden, unit, unet.Config);
        var (x, t, context) = Inputs(golden, cfgPair);
        var hint = golden.Load("hint_" + unit);
        if (cfgPair) hint = cat([hint, hint]);
        var residuals = controlNet.Forward(x, t, context, hint);
        Assert.Equal(golden.Entries.Count(e => e.Name.StartsWith($"control_{set}.", StringComparison.Ordinal)), residuals.Length);
        double worst = 0;
        for (int i = 0; i < residuals.Length; i++)
        {
            double error = AdapterGolden.MaxAbs(residuals[i], golden.Load($"control_{set}.{i:00}"));
            worst = Math.Max(worst, error);
            Assert.True(error <= ResidualTolerance, $"control_{set}.{i:00}: max-abs {error:E3} > {ResidualTolerance:E0}");
        }
        output.WriteLine($"control_{set}: worst max-abs {worst:E3}");
    }

    [GeneratedRegex(@"^eps_(?<cfg>cfgpair_)?(?:(?<nocontrol>nocontrol)|multi_A_(?<wa>w\w+?)_plus_B_(?<wb>w\w+)|(?<mode>balanced|prompt_more_important|controlnet_more_important)_(?<w>w\w+))$")]
    private static partial Regex EpsName();

    [Theory]
    [MemberData(nameof(EpsCases))]
    public void ControlledEpsMatches(string caseName)
    {
        using var scope = NewDisposeScope();
        using var golden = SafetensorsFile.Open(GoldenPath);
        var m = EpsName().Match(caseName);
        Assert.True(m.Success, $"{caseName}: case name not understood (expected eps_[cfgpair_](nocontrol|<mode>_<weight>|multi_A_<w>_plus_B_<w>))");
        var weights = CaseParams(golden);
        using var unet = AdapterGolden.LoadUnet(AdapterGolden.ModelOf(golden));
        bool cfgPair = m.Groups["cfg"].Success;
        var (x, t, context) = Inputs(golden, cfgPair);
        var models = new List<ControlNetModel>();
        try
        {
            var units = new List<ControlNetUnit>();
            ControlNetUnit Unit(string name, string weightName, ControlMode mode)
            {
                var model = LoadControlNet(golden, name, unet.Config);
                models.Add(model);
                return new ControlNetUnit(model, golden.Load("hint_" + name), weights[weightName], Mode: mode);
            }
            if (m.Groups["wa"].Success)
            {
                units.Add(Unit("A", m.Groups["wa"].Value, ControlMode.Balanced));
                units.Add(Unit("B", m.Groups["wb"].Value, ControlMode.Balanced));
            }
            else if (m.Groups["mode"].Success)
            {
                var mode = m.Groups["mode"].Value switch
                {
                    "balanced" => ControlMode.Balanced,
                    "prompt_more_important" => ControlMode.PromptMoreImportant,
                    _ => ControlMode.ControlNetMoreImportant,
                };
                units.Add(Unit("A", m.Groups["w"].Value, mode));
            }
            var condMark = cfgPair ? golden.Load("cond_mark") : null;
            var control = MultiControlNet.Residuals(units, x, t, context, condMark);
            Assert.Equal(units.Count == 0, control is null);
            var eps = unet.Forward(x, t, context, control);
            double error = AdapterGolden.MaxAbs(eps, golden.Load(caseName));
            output.WriteLine($"{caseName}: {units.Count} unit(s), max-abs {error:E3}");
            Assert.True(error <= EpsTolerance, $"{caseName}: eps max-abs {error:E3} > {EpsTolerance:E0}");
        }
        finally
        {
            foreach (var model in models) model.Dispose();
        }
    }

    [Fact]
    public void SoftInjectionBaseIsTheRecordedOne()
    {
        using var golden = SafetensorsFile.Open(GoldenPath);
        double recorded = CaseParams(golden)["soft_scale_base"];
        Assert.True(recorded == ControlScales.SoftInjectionBase, $"recorded soft-injection base {recorded}, ours {ControlScales.SoftInjectionBase}");
        var scales = ControlScales.For(ControlMode.PromptMoreImportant, 0.6);
        for (int i = 0; i < 13; i++) Assert.Equal(0.6 * Math.Pow(recorded, 12 - i), scales[i], 15);
        Assert.All(ControlScales.For(ControlMode.Balanced, 0.6), s => Assert.Equal(0.6, s));
    }
}
