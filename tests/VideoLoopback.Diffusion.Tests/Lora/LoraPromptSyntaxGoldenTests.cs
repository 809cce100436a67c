using System.Text.Json;
using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Diffusion.Tests.Lora;

/// <summary>
/// <c>lora_prompt_syntax.json</c>: the text left after removing the tags and the (name, te, unet, dyn) WebUI activates, exactly;
/// and the same prompts through <see cref="LoraLibrary"/> over the golden LoRA folder, where names not in the folder are warned
/// about and skipped.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "adapters")]
public class LoraPromptSyntaxGoldenTests
{
    private static string JsonPath => Path.Combine(AdapterGolden.LoraFolder, "lora_prompt_syntax.json");

    public static TheoryData<int, string> Cases()
    {
        var data = new TheoryData<int, string>();
        using var json = JsonDocument.Parse(File.ReadAllText(JsonPath));
        int i = 0;
        foreach (var c in json.RootElement.EnumerateArray()) data.Add(i++, c.GetProperty("prompt").GetString()!);
        return data;
    }

    private static JsonElement Case(int index)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(JsonPath));
        return json.RootElement[index].Clone();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TagsAreRemovedAndReadAsWebUi(int index, string prompt)
    {
        var expected = Case(index);
        var (text, tags) = ExtraNetworkTag.Extract(prompt);
        Assert.True(expected.GetProperty("prompt_after_removal").GetString() == text, $"case {index} '{prompt}': text after removal '{text}'");
        var loras = LoraTag.From(tags);
        var activations = expected.GetProperty("lora_activation").EnumerateArray().ToList();
        Assert.True(activations.Count == loras.Count, $"case {index} '{prompt}': {loras.Count} LoRAs, expected {activations.Count}");
        foreach (var (tag, want) in loras.Zip(activations))
        {
            Assert.Equal(want.GetProperty("name").GetString(), tag.Name);
            Assert.Equal(want.GetProperty("te_multiplier").GetDouble(), tag.TextEncoderMultiplier);
            Assert.Equal(want.GetProperty("unet_multiplier").GetDouble(), tag.UnetMultiplier);
            var dyn = want.GetProperty("dyn_dim");
            Assert.Equal(dyn.ValueKind == JsonValueKind.Null ? null : dyn.GetInt32(), tag.DynamicDimension);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LibraryResolvesNamesInTheFolderAndWarnsAboutTheOthers(int index, string prompt)
    {
        var expected = Case(index);
        var warnings = new List<string>();
        using var library = new LoraLibrary(AdapterGolden.LoraFolder, warnings.Add);
        var (text, set) = library.FromPrompt(prompt);
        Assert.Equal(expected.GetProperty("prompt_after_removal").GetString(), text);
        var names = expected.GetProperty("lora_activation").EnumerateArray().Select(a => a.GetProperty("name").GetString()!).ToList();
        var present = names.Where(n => File.Exists(Path.Combine(AdapterGolden.LoraFolder, n + ".safetensors"))).ToList();
        var missing = names.Except(present).ToList();
        Assert.Equal(present, set.Select(a => a.Network.Name));
        if (missing.Count == 0) Assert.Empty(warnings);
        else Assert.True(warnings.Count == 1 && missing.All(m => warnings[0].Contains(m)), $"case {index}: warnings [{string.Join(" | ", warnings)}]");
    }
}
