using System.Text.Json;
using VideoLoopback.Diffusion.Lora;

namespace VideoLoopback.Diffusion.Tests.Lora;

/// <summary>
/// kohya module -> WebUI network layer name -> LDM weight key, against WebUI's own results for every module of the full-size
/// SD1.5 manifest and of the tiny LoRA files (<c>lora_mapping.json</c>), plus which multiplier applies.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "adapters")]
public class LoraNameMappingGoldenTests
{
    public static TheoryData<string, string, string, string> Modules()
    {
        var data = new TheoryData<string, string, string, string>();
        using (var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(AdapterGolden.LoraFolder, "manifest_sd15_full.json"))))
            foreach (var m in manifest.RootElement.GetProperty("modules").EnumerateArray())
                data.Add("manifest_sd15_full", m.GetProperty("kohya_module").GetString()!, m.GetProperty("a1111_network_layer_name").GetString()!,
                    m.GetProperty("ldm_weight_key").GetString()! + "|" + m.GetProperty("multiplier").GetString());
        using (var mapping = JsonDocument.Parse(File.ReadAllText(Path.Combine(AdapterGolden.LoraFolder, "lora_mapping.json"))))
            foreach (var file in mapping.RootElement.EnumerateObject())
                foreach (var m in file.Value.GetProperty("mapping").EnumerateArray())
                    data.Add(file.Name, m.GetProperty("kohya_module").GetString()!, m.GetProperty("a1111_network_layer_name").GetString()!,
                        m.GetProperty("ldm_weight_key").GetString()! + "|" + (m.TryGetProperty("multiplier_kind", out var k) ? k.GetString() : ""));
        return data;
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public void KohyaNameMapsLikeWebUi(string source, string kohyaModule, string networkLayerName, string ldmKeyAndMultiplier)
    {
        var parts = ldmKeyAndMultiplier.Split('|');
        Assert.True(networkLayerName == KohyaLoraNames.ToNetworkLayerName(kohyaModule),
            $"{source} {kohyaModule}: layer name '{KohyaLoraNames.ToNetworkLayerName(kohyaModule)}', expected '{networkLayerName}'");
        Assert.True(parts[0] == KohyaLoraNames.ToLdmWeightKey(networkLayerName),
            $"{source} {kohyaModule}: LDM key '{KohyaLoraNames.ToLdmWeightKey(networkLayerName)}', expected '{parts[0]}'");
        if (parts[1].Length > 0)
            Assert.True((parts[1] == "te") == KohyaLoraNames.IsTextEncoderLayer(networkLayerName), $"{source} {kohyaModule}: multiplier kind, expected '{parts[1]}'");
    }

    [Fact]
    public void UnknownNamesStayUnmatched()
    {
        Assert.Equal("lora_unet_something_else", KohyaLoraNames.ToNetworkLayerName("lora_unet_something_else"));
        Assert.Null(KohyaLoraNames.ToLdmWeightKeyFromKohya("lora_unet_something_else"));
    }
}
