using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Text;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>
/// The SDXL conditioner on tiny-sdxl beyond the golden cases: which negative prompts are zeros, that zeros and encodings are
/// cached apart, prompts the two tokenizers chunk differently, and the layouts that find both towers in the file.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sdxl")]
public class SdxlConditionerTests
{
    private static bool IsZero(Tensor t) => t.abs().max().item<float>() == 0;

    [Fact]
    public void OnlyAnAllEmptyNegativeScheduleIsZeros()
    {
        using var scope = NewDisposeScope();
        var (clipL, bigG) = SdxlGolden.LoadTowers();
        using (clipL)
        using (bigG)
        using (var conditioner = SdxlTextEncoders.Conditioner(clipL, bigG))
        {
            var zero = Assert.Single(Assert.Single(conditioner.GetLearnedConditioning([""], 20, negative: true)).Entries);
            Assert.True(IsZero(zero.Cond) && IsZero(zero.Pooled!));
            Assert.Equal([77, 96], zero.Cond.shape);
            Assert.Equal([48], zero.Pooled!.shape);

            // The same text as a positive prompt is encoded, not the cached zeros.
            var empty = Assert.Single(Assert.Single(conditioner.GetLearnedConditioning([""], 20)).Entries);
            Assert.False(IsZero(empty.Cond) || IsZero(empty.Pooled!));

            // A negative schedule with one empty text and one non-empty text is encoded in full.
            var edited = Assert.Single(conditioner.GetLearnedConditioning(["[:blurry:5]"], 20, negative: true)).Entries;
            Assert.Equal(2, edited.Count);
            Assert.All(edited, e => Assert.False(IsZero(e.Cond) || IsZero(e.Pooled!)));
        }
    }

    [Fact]
    public void OneTowerConditionersNeverZeroNegativesAndYieldNoPooled()
    {
        using var scope = NewDisposeScope();
        var (clipL, bigG) = SdxlGolden.LoadTowers();
        using (clipL)
        using (bigG)
        using (var conditioner = new PromptConditioner(clipL))
        {
            var entry = Assert.Single(Assert.Single(conditioner.GetLearnedConditioning([""], 20, negative: true)).Entries);
            Assert.False(IsZero(entry.Cond));
            Assert.Null(entry.Pooled);
        }
    }

    [Fact]
    public void PromptsTheTokenizersChunkDifferentlyAreRefusedNamingThePrompt()
    {
        // CLIP-L reads "<|endoftext|>" as one special token, OpenCLIP as ordinary text of several tokens.
        string prompt = string.Join(" ", Enumerable.Repeat("cat", 70)) + string.Concat(Enumerable.Repeat(" <|endoftext|>", 3));
        var (clipL, bigG) = SdxlGolden.LoadTowers();
        using (clipL)
        using (bigG)
        using (var conditioner = SdxlTextEncoders.Conditioner(clipL, bigG))
        {
            var e = Assert.Throws<PromptSyntaxException>(() => conditioner.EncodeTexts([prompt]));
            Assert.Contains(prompt, e.Message);
            Assert.Contains("2 chunks with text encoder 2", e.Message);
        }
    }

    [Fact]
    public void LayoutsFindBothTowersAndTheirKeys()
    {
        using var file = StateDictFile.Open(SdxlGolden.PathOf(SdxlGolden.Model));
        var index = CheckpointTensorIndex.FromShapes(file.Shapes());
        foreach (var (layout, prefix) in TextEncoderLayout.StableDiffusionXL.Zip([SdxlTextEncoders.ClipLPrefix, SdxlTextEncoders.BigGPrefix]))
        {
            Assert.Equal(prefix, layout.FindTower(index));
            var expected = layout.Keys!.Expected(index, prefix);
            var missing = expected.Where(k => !index.Has(k)).ToList();
            Assert.True(missing.Count == 0, $"{layout.Component}: missing {string.Join(", ", missing)}");
            var extra = index.Names.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !expected.Contains(k)
                                               && !k.EndsWith("position_ids", StringComparison.Ordinal)).ToList();
            Assert.True(extra.Count == 0, $"{layout.Component}: unexpected {string.Join(", ", extra)}");
        }
    }

    [Fact]
    public void TowersWithoutTheProjectionCannotGiveThePooledOutput()
    {
        using var file = StateDictFile.Open(SdxlGolden.PathOf(SdxlGolden.Model));
        var (clipLHeads, bigGHeads) = SdxlGolden.Heads();
        using var clipL = ClipTextModel.FromCheckpoint(file, SdxlTextEncoders.ClipLPrefix, ModuleDevice.Cpu, clipLHeads);
        using var bigG = OpenClipTextModel.FromCheckpoint(file, headCount: bigGHeads, prefix: SdxlTextEncoders.BigGPrefix);
        Assert.Null(bigG.Config.ProjectionSize);
        Assert.Throws<ArgumentException>(() => SdxlTextEncoders.Towers(clipL, bigG));
    }
}
