using VideoLoopback.Diffusion.Text;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Text;

/// <summary>
/// The conditioner end to end on the tiny checkpoint: shapes, chunk concatenation, per-step schedules,
/// clip skip, AND composition and the encoding cache. Expected values come from the text model itself
/// (checked against HF in <see cref="ClipTextModelGoldenTests"/>) and the emphasis formula.
/// </summary>
public sealed class PromptConditionerTests : IDisposable
{
    private readonly ClipTextModel _model;

    public PromptConditionerTests()
    {
        string path = GoldenData.Path("sd15", "tiny-sd15.safetensors");
        _model = ClipTextModel.FromCheckpoint(path, CPU, ScalarType.Float32, ClipTextModelGoldenTests.HeadCountFor(path));
    }

    public void Dispose() => _model.Dispose();

    private Tensor EncodeIds(int[] ids, int clipSkip = 1) =>
        _model.Encode(tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]), clipSkip);

    [Fact]
    public void TrimKeepsTheMostRecentlyUsedEncodingsAndReencodesTheOthers()
    {
        using var scope = NewDisposeScope();
        using var conditioner = new PromptConditioner(_model);
        foreach (var prompt in new[] { "a cat", "a dog", "a fox", "a cow" }) conditioner.GetLearnedConditioning([prompt], 10);
        conditioner.GetLearnedConditioning(["a cat"], 10); // used again: now the most recent
        Assert.Equal(4, conditioner.EncodedTextCount);
        conditioner.TrimCache(2);
        Assert.Equal(2, conditioner.CachedCount);
        conditioner.GetLearnedConditioning(["a cat"], 10);
        conditioner.GetLearnedConditioning(["a cow"], 10);
        Assert.Equal(4, conditioner.EncodedTextCount); // both kept
        conditioner.GetLearnedConditioning(["a dog"], 10);
        Assert.Equal(5, conditioner.EncodedTextCount); // evicted, encoded again
    }

    [Fact]
    public void PlainPromptIsTheTextModelOutputOfItsPaddedTokens()
    {
        using var scope = NewDisposeScope();
        using var conditioner = new PromptConditioner(_model);
        var z = conditioner.EncodeTexts(["a photo of a cat"]);
        Assert.Equal([1L, 77, 8], z.shape);
        var expected = EncodeIds(ClipTokenizer.Default.EncodePadded("a photo of a cat"));
        Assert.True(z.allclose(expected, rtol: 0, atol: 1e-6), "weights all 1: emphasis must leave the encoding unchanged");
    }

    [Fact]
    public void LongPromptsAreConcatenatedChunksAndShortOnesPaddedWithEmptyChunks()
    {
        using var scope = NewDisposeScope();
        using var conditioner = new PromptConditioner(_model);
        string longPrompt = string.Join(", ", Enumerable.Repeat("cat", 50));
        var z = conditioner.EncodeTexts([longPrompt, "dog"]);
        Assert.Equal([2L, 154, 8], z.shape);

        var chunks = conditioner.Chunker.TokenizeLine(longPrompt).Chunks;
        Assert.Equal(2, chunks.Count);
        var second = EncodeIds(chunks[1].Tokens);
        Assert.True(z[0, 77..].allclose(second[0], rtol: 0, atol: 1e-6), "second chunk of the long prompt");
        var empty = EncodeIds(PromptChunk.Empty().Tokens);
        Assert.True(z[1, 77..].allclose(empty[0], rtol: 0, atol: 1e-6), "the short prompt's missing chunk is the encoded empty chunk");
    }

    [Fact]
    public void EmphasisScalesTokensAndKeepsTheMean()
    {
        using var scope = NewDisposeScope();
        using var conditioner = new PromptConditioner(_model);
        var weighted = conditioner.EncodeTexts(["a (cat:1.5)"]);
        var plain = EncodeIds(ClipTokenizer.Default.EncodePadded("a cat"));
        var multipliers = ones(1, 77);
        multipliers[0, 2] = tensor(1.5f);
        var scaled = plain * multipliers.unsqueeze(-1);
        var expected = scaled * (plain.mean() / scaled.mean());
        Assert.True(weighted.allclose(expected, rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void ClipSkipUsesAnEarlierLayer()
    {
        using var scope = NewDisposeScope();
        using var conditioner = new PromptConditioner(_model, clipSkip: 2);
        var z = conditioner.EncodeTexts(["a photo of a cat"]);
        var expected = EncodeIds(ClipTokenizer.Default.EncodePadded("a photo of a cat"), clipSkip: 2);
        Assert.True(z.allclose(expected, rtol: 0, atol: 1e-6));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PromptConditioner(_model, clipSkip: 5));
    }

    [Fact]
    public void PromptEditingSwitchesConditioningAtTheScheduledStep()
    {
        using var scope = NewDisposeScope();
        using var conditioner = new PromptConditioner(_model);
        var schedule = conditioner.GetLearnedConditioning(["a [dog:cat:0.5]"], steps: 10)[0];
        Assert.Equal([5, 10], schedule.Entries.Select(e => e.EndAtStep));

        var both = conditioner.EncodeTexts(["a dog", "a cat"]);
        Assert.True(schedule.At(0).allclose(both[0], rtol: 0, atol: 1e-6), "steps up to 5 use 'a dog'");
        Assert.True(schedule.At(5).allclose(both[0], rtol: 0, atol: 1e-6));
        Assert.True(schedule.At(6).allclose(both[1], rtol: 0, atol: 1e-6), "later steps use 'a cat'");
        // WebUI falls back to the first entry past the last end step.
        Assert.True(schedule.At(11).allclose(both[0], rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void UnchangedPromptsAreEncodedOncePerConditioner()
    {
        using var scope = NewDisposeScope();
        using var conditioner = new PromptConditioner(_model);
        var first = conditioner.GetLearnedConditioning(["a cat", "a cat", "blurry"], steps: 20);
        Assert.Equal(2, conditioner.EncodedTextCount);
        Assert.Same(first[0], first[1]);

        for (int frame = 0; frame < 5; frame++)
        {
            using var frameScope = NewDisposeScope();
            var again = conditioner.GetLearnedConditioning(["a cat", "blurry"], steps: 20);
            Assert.True(again[0].At(3).eq(first[0].At(3)).all().item<bool>());
        }
        Assert.Equal(2, conditioner.EncodedTextCount);
        // Cached tensors survive the dispose scopes they were requested in.
        Assert.False(first[0].At(0).IsInvalid);
    }

    [Fact]
    public void AndPartsAreStackedWithTheirWeights()
    {
        using var scope = NewDisposeScope();
        using var conditioner = new PromptConditioner(_model);
        var multi = conditioner.GetMultiCondLearnedConditioning(["a cat AND a dog:0.5", "a dog"], steps: 20);
        var (condsList, stacked, _) = multi.At(1);
        Assert.Equal([3L, 77, 8], stacked.shape);
        Assert.Equal([(0, 1.0), (1, 0.5)], condsList[0]);
        Assert.Equal([(2, 1.0)], condsList[1]);
        // "a dog" from the first prompt (" a dog") and the second ("a dog") are different texts.
        Assert.Equal(3, conditioner.EncodedTextCount);
    }

    [Fact]
    public void BatchPadsShorterConditioningWithItsLastVector()
    {
        using var scope = NewDisposeScope();
        using var conditioner = new PromptConditioner(_model);
        var schedules = conditioner.GetLearnedConditioning([string.Join(" BREAK ", "a", "b"), "c"], steps: 4);
        var batch = PromptSchedule.Batch(schedules, 1);
        Assert.Equal([2L, 154, 8], batch.shape);
        var shortOne = schedules[1].At(1);
        Assert.True(batch[1, 77..].eq(shortOne[^1..].expand(77, 8)).all().item<bool>());
    }
}
