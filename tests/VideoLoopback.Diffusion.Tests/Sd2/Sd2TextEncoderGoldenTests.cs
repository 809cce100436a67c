using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Text;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sd2;

/// <summary>
/// text.safetensors: the OpenCLIP text tower of tiny-sd2 (LDM FrozenOpenCLIPEmbedder), at the penultimate layer SD2.x uses
/// and at the last layer, on token ids in WebUI's layout; and the model's prompt conditioner, which must arrive at the
/// penultimate output from the prompt text whatever clip skip is asked.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sd2")]
public class Sd2TextEncoderGoldenTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string, string> Layers()
    {
        var data = new TheoryData<string, string>();
        foreach (var c in Sd2Golden.CasesOf("text.safetensors", ".input_ids"))
            foreach (var layer in new[] { "penultimate", "last" }) data.Add(c, layer);
        return data;
    }

    public static TheoryData<string> Cases() => Sd2Golden.CasesOf("text.safetensors", ".input_ids");

    [Theory]
    [MemberData(nameof(Layers))]
    public void TextTowerMatchesOpenClip(string caseName, string layer)
    {
        using var scope = NewDisposeScope();
        using var golden = Sd2Golden.Open("text.safetensors");
        using var file = StateDictFile.Open(Sd2Golden.PathOf(golden.Metadata["model"]));
        using var text = OpenClipTextModel.FromCheckpoint(file, headCount: 2);
        Assert.Equal(ClipActivation.Gelu, text.Config.Activation);
        var z = text.Encode(golden.Load(caseName + ".input_ids"), clipSkip: layer == "penultimate" ? 2 : 1);
        double error = Sd2Golden.AssertClose($"{caseName} {layer}", golden.Load($"{caseName}.{layer}"), z, Sd2Golden.TextTolerance);
        output.WriteLine($"{caseName} {layer}: max abs error {error:E2}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PromptConditionerGivesThePenultimateLayerOfWebUiTokens(string caseName)
    {
        using var scope = NewDisposeScope();
        using var golden = Sd2Golden.Open("text.safetensors");
        var prompts = System.Text.Json.JsonSerializer.Deserialize<string[]>(golden.Metadata["prompts"])!;
        string prompt = prompts[int.Parse(caseName["case".Length..])];
        using var model = Sd2Golden.Load(golden.Metadata["model"]);
        foreach (int clipSkip in new[] { 1, 2 })
        {
            var z = model.Conditioner(clipSkip).EncodeTexts([prompt]);
            double error = Sd2Golden.AssertClose($"{caseName} conditioner (clip skip {clipSkip})", golden.Load(caseName + ".penultimate"), z, Sd2Golden.TextTolerance);
            output.WriteLine($"{caseName} clip skip {clipSkip}: max abs error {error:E2}");
        }
    }
}
