using System.Text.Json;
using VideoLoopback.Diffusion.Text;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>
/// conditioning.safetensors: WebUI's sd_models_xl.get_learned_conditioning on tiny-sdxl. The conditioner must give
/// <c>crossattn</c> (both towers joined on channels) and the pooled part of <c>vector</c> (its first P channels; the size
/// embeddings after it are built elsewhere), including zeros for an empty negative prompt and not for an empty positive one.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sdxl")]
public class SdxlConditioningGoldenTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static JsonElement CaseList()
    {
        using var golden = SdxlGolden.Open("conditioning.safetensors");
        using var json = JsonDocument.Parse(golden.Metadata["cases"]);
        return json.RootElement.Clone();
    }

    public static TheoryData<int> Cases()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < CaseList().GetArrayLength(); i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CrossAttentionAndPooledMatch(int index)
    {
        var c = CaseList()[index];
        var prompts = c.GetProperty("prompts").EnumerateArray().Select(p => p.GetString()!).ToList();
        bool negative = c.GetProperty("negative").GetBoolean();
        using var scope = NewDisposeScope();
        using var golden = SdxlGolden.Open("conditioning.safetensors");
        var (clipL, bigG) = SdxlGolden.LoadTowers(golden.Metadata["model"]);
        using (clipL)
        using (bigG)
        {
            using var conditioner = SdxlTextEncoders.Conditioner(clipL, bigG);
            var schedules = conditioner.GetLearnedConditioning(prompts, steps: 20, negative: negative);
            var entries = schedules.Select(s => Assert.Single(s.Entries)).ToList();
            var cond = stack(entries.Select(e => e.Cond).ToArray());
            var pooled = stack(entries.Select(e => e.Pooled ?? throw new Xunit.Sdk.XunitException($"case {index}: no pooled output")).ToArray());

            string what = $"case {index} [{string.Join(" | ", prompts)}] negative={negative}";
            double e1 = SdxlGolden.AssertClose(what + " crossattn", golden.Load($"case{index}.crossattn"), cond);
            var vector = golden.Load($"case{index}.vector");
            double e2 = SdxlGolden.AssertClose(what + " pooled", vector.narrow(1, 0, pooled.shape[1]), pooled);
            bool zeroed = c.GetProperty("zeroed").GetBoolean();
            Assert.True(zeroed == (cond.abs().max().item<float>() == 0 && pooled.abs().max().item<float>() == 0),
                $"{what}: zeros expected {zeroed}");
            output.WriteLine($"{what}: crossattn {e1:E2}, pooled {e2:E2}");
        }
    }
}
