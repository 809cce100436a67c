using VideoLoopback.Diffusion.Text;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>
/// text.safetensors: SDXL's two towers of tiny-sdxl (sgm FrozenCLIPEmbedder on Hugging Face CLIP, FrozenOpenCLIPEmbedder2 on
/// OpenCLIP) on WebUI's token layouts: CLIP-L's last hidden state and penultimate layer (no final norm), bigG's last and
/// penultimate layers (no ln_final) and its projected pooled output; then WebUI's per-tower prompt encodings
/// (FrozenCLIPEmbedderForSDXLWithCustomWords, FrozenOpenCLIPEmbedder2WithCustomWords) against the conditioner's.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sdxl")]
public class SdxlTextEncoderGoldenTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string> Cases() => SdxlGolden.CasesOf("text.safetensors", ".clip_l.tokens");

    [Fact]
    public void TowersLoadWithTheirSizes()
    {
        var (clipL, bigG) = SdxlGolden.LoadTowers();
        using (clipL)
        using (bigG)
        {
            Assert.Equal(new ClipTextConfig(49408, 77, 32, 64, 3, 2), clipL.Config);
            Assert.Equal(new ClipTextConfig(49408, 77, 64, 256, 3, 2, Activation: ClipActivation.Gelu, ProjectionSize: 48), bigG.Config);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ClipLMatchesHuggingFace(string caseName)
    {
        using var scope = NewDisposeScope();
        using var golden = SdxlGolden.Open("text.safetensors");
        var (clipL, bigG) = SdxlGolden.LoadTowers(golden.Metadata["model"]);
        using (clipL)
        using (bigG)
        {
            var ids = golden.Load(caseName + ".clip_l.tokens");
            var (last, _) = clipL.EncodeLayer(ids, 1, finalNorm: true, pooled: false, []);
            double e1 = SdxlGolden.AssertClose($"{caseName} CLIP-L last_hidden_state", golden.Load(caseName + ".clip_l.last_hidden_state"), last);
            var (penultimate, _) = clipL.EncodeLayer(ids, SdxlTextEncoders.PenultimateLayer, finalNorm: false, pooled: false, []);
            double e2 = SdxlGolden.AssertClose($"{caseName} CLIP-L penultimate", golden.Load(caseName + ".clip_l.penultimate"), penultimate);
            output.WriteLine($"{caseName} CLIP-L: last {e1:E2}, penultimate {e2:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BigGMatchesOpenClip(string caseName)
    {
        using var scope = NewDisposeScope();
        using var golden = SdxlGolden.Open("text.safetensors");
        var (clipL, bigG) = SdxlGolden.LoadTowers(golden.Metadata["model"]);
        using (clipL)
        using (bigG)
        {
            var ids = golden.Load(caseName + ".bigg.tokens");
            var (last, _) = bigG.EncodeLayer(ids, 1, finalNorm: false, pooled: false, []);
            double e1 = SdxlGolden.AssertClose($"{caseName} bigG last", golden.Load(caseName + ".bigg.last"), last);
            var (penultimate, pooled) = bigG.EncodeLayer(ids, SdxlTextEncoders.PenultimateLayer, finalNorm: false, pooled: true, []);
            double e2 = SdxlGolden.AssertClose($"{caseName} bigG penultimate", golden.Load(caseName + ".bigg.penultimate"), penultimate);
            double e3 = SdxlGolden.AssertClose($"{caseName} bigG pooled", golden.Load(caseName + ".bigg.pooled"), pooled!);
            output.WriteLine($"{caseName} bigG: last {e1:E2}, penultimate {e2:E2}, pooled {e3:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ConditionerMatchesWebUisTowerWrappers(string caseName)
    {
        using var scope = NewDisposeScope();
        using var golden = SdxlGolden.Open("text.safetensors");
        var prompts = System.Text.Json.JsonSerializer.Deserialize<string[]>(golden.Metadata["prompts"])!;
        string prompt = prompts[int.Parse(caseName["case".Length..])];
        var (clipL, bigG) = SdxlGolden.LoadTowers(golden.Metadata["model"]);
        using (clipL)
        using (bigG)
        {
            using var conditioner = SdxlTextEncoders.Conditioner(clipL, bigG);
            var (cond, pooled) = conditioner.EncodeTextsWithPooled([prompt]);
            var expected = cat([golden.Load(caseName + ".webui.clip_l"), golden.Load(caseName + ".webui.bigg")], 2);
            double e1 = SdxlGolden.AssertClose($"{caseName} conditioning rows", expected, cond);
            double e2 = SdxlGolden.AssertClose($"{caseName} pooled", golden.Load(caseName + ".webui.pooled"), pooled!);
            output.WriteLine($"{caseName}: rows {e1:E2}, pooled {e2:E2}");
        }
    }
}
