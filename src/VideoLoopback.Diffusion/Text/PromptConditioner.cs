using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// Turns WebUI prompts into UNet conditioning with a CLIP text model: attention weights, BREAK, 75-token
/// chunks with comma back-tracking, clip skip, emphasis, prompt editing and alternation per step, AND
/// composition. Encodings are cached by the exact set of texts encoded together, so within one render
/// (one conditioner) an unchanged prompt runs through the text model once; <see cref="ClearCache"/> or
/// dispose to free them. Extra-network tags ("&lt;lora:...&gt;") are not handled here: strip them first
/// with <see cref="ExtraNetworkTag.Extract"/>. Textual-inversion embeddings named in a prompt are found in the
/// <see cref="TextualInversionLibrary"/> given, if any.
/// Outputs are float32 on the text model's device (WebUI's emphasis promotes to float32 as well).
/// </summary>
public sealed class PromptConditioner : IDisposable
{
    private readonly ClipTextModel _textModel;
    private readonly PromptChunker _chunker;
    private readonly Dictionary<string, CachedBatch> _cache = new();
    private long _uses;

    /// <param name="padId">the id after a chunk's first end token: CLIP's end token itself (SD1.x), OpenCLIP's 0 (SD2.x).</param>
    public PromptConditioner(ClipTextModel textModel, ClipTokenizer? tokenizer = null, int clipSkip = 1,
        EmphasisMode emphasis = EmphasisMode.Original, int commaPaddingBacktrack = 20, TextualInversionLibrary? embeddings = null,
        int padId = ClipTokenizer.PadId)
    {
        PadId = padId;
        if (clipSkip < 1 || clipSkip > textModel.Config.LayerCount)
            throw new ArgumentOutOfRangeException(nameof(clipSkip), clipSkip, $"clip skip must be between 1 and the text model's {textModel.Config.LayerCount} layers");
        _textModel = textModel;
        _chunker = new PromptChunker(tokenizer ?? ClipTokenizer.Default, commaPaddingBacktrack, emphasis, embeddings);
        ClipSkip = clipSkip;
    }

    /// <summary>WebUI's "Clip skip" (CLIP_stop_at_last_layers): 1 uses the last layer, 2 the one before, ...</summary>
    public int ClipSkip { get; }
    public int PadId { get; }
    public EmphasisMode Emphasis => _chunker.Emphasis;
    public PromptChunker Chunker => _chunker;

    /// <summary>How many texts have been run through the text model (cache misses), for diagnostics and tests.</summary>
    public int EncodedTextCount { get; private set; }

    /// <summary>
    /// WebUI's FrozenCLIPEmbedderWithCustomWords.forward: texts -> [B,77k,C], k = the most chunks of any
    /// text; texts with fewer chunks get encoded empty chunks. Each chunk position is encoded as one batch and
    /// emphasis is applied over that batch. Not cached; the caller owns the result.
    /// </summary>
    public Tensor EncodeTexts(IReadOnlyList<string> texts)
    {
        if (texts.Count == 0) throw new ArgumentException("no texts to encode", nameof(texts));
        using var scope = NewDisposeScope();
        var batchChunks = texts.Select(t => _chunker.TokenizeLine(t).Chunks).ToList();
        int chunkCount = batchChunks.Max(c => c.Count);
        var device = _textModel.Device;
        var encoded = new List<Tensor>(chunkCount);
        for (int i = 0; i < chunkCount; i++)
        {
            var chunks = batchChunks.Select(c => i < c.Count ? c[i] : PromptChunk.Empty()).ToList();
            long[] shape = [chunks.Count, PromptChunk.PaddedLength];
            var ids = tensor(chunks.SelectMany(c => PaddedIds(c.Tokens, PadId)).ToArray(), shape, device: device);
            // WebUI builds the multipliers as a float32 tensor.
            var multipliers = tensor(chunks.SelectMany(c => c.Multipliers.Select(m => (float)m)).ToArray(), shape, device: device);
            var fixes = chunks.SelectMany((c, row) => c.Fixes.Select(f => new TokenEmbeddingFix(row, f.Position, f.Embedding.Vectors))).ToList();
            var z = _textModel.Encode(ids, ClipSkip, fixes);
            encoded.Add(PromptEmphasis.Apply(z, multipliers, Emphasis));
        }
        EncodedTextCount += texts.Count;
        return cat(encoded, 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// WebUI's process_tokens: when the pad id is not the end token, every position after a chunk's first end token holds the
    /// pad id (the chunk itself, which emphasis reads, keeps its end tokens).
    /// </summary>
    public static long[] PaddedIds(int[] tokens, int padId)
    {
        int firstEnd = padId == ClipTokenizer.EosId ? -1 : Array.IndexOf(tokens, ClipTokenizer.EosId);
        return tokens.Select((t, i) => firstEnd >= 0 && i > firstEnd ? padId : (long)t).ToArray();
    }

    /// <summary>
    /// WebUI's get_learned_conditioning (used for negative prompts): per prompt, its editing/alternation
    /// schedule with every text of the schedule encoded together. Identical prompts share one schedule.
    /// </summary>
    public IReadOnlyList<PromptSchedule> GetLearnedConditioning(IReadOnlyList<string> prompts, int steps, int? hiresSteps = null, bool useOldScheduling = false)
    {
        var byPrompt = new Dictionary<string, PromptSchedule>();
        var result = new List<PromptSchedule>(prompts.Count);
        foreach (string prompt in prompts)
        {
            if (!byPrompt.TryGetValue(prompt, out var schedule))
            {
                var textSchedule = PromptScheduler.GetSchedule(prompt, steps, hiresSteps, useOldScheduling);
                var rows = EncodeCached(textSchedule.Select(s => s.Text).ToList());
                schedule = new PromptSchedule(textSchedule.Select((s, i) => new ScheduledConditioning(s.EndAtStep, rows[i])).ToList());
                byPrompt[prompt] = schedule;
            }
            result.Add(schedule);
        }
        return result;
    }

    /// <summary>
    /// WebUI's get_multicond_learned_conditioning (used for positive prompts): prompts split at AND, each
    /// distinct part scheduled and encoded once, with the parts' weights per image.
    /// </summary>
    public MultiCondConditioning GetMultiCondLearnedConditioning(IReadOnlyList<string> prompts, int steps, int? hiresSteps = null, bool useOldScheduling = false)
    {
        var multi = MultiCondPrompts.Parse(prompts);
        var schedules = GetLearnedConditioning(multi.Texts, steps, hiresSteps, useOldScheduling);
        return new MultiCondConditioning(multi.Parts
            .Select(parts => (IReadOnlyList<(PromptSchedule, double)>)parts.Select(p => (schedules[p.Index], p.Weight)).ToList())
            .ToList());
    }

    /// <summary>Frees every cached encoding; schedules handed out before become invalid.</summary>
    public void ClearCache()
    {
        foreach (var cached in _cache.Values) cached.Dispose();
        _cache.Clear();
    }

    /// <summary>How many encodings the cache holds.</summary>
    public int CachedCount => _cache.Count;

    /// <summary>
    /// Frees the least recently used encodings beyond <paramref name="keep"/>, so a render whose prompt changes every frame
    /// does not grow; call it only between generations, as schedules handed out before may use any cached encoding.
    /// </summary>
    public void TrimCache(int keep)
    {
        if (_cache.Count <= keep) return;
        foreach (var (key, cached) in _cache.OrderBy(e => e.Value.LastUse).Take(_cache.Count - keep).ToList())
        {
            cached.Dispose();
            _cache.Remove(key);
        }
    }

    public void Dispose() => ClearCache();

    private Tensor[] EncodeCached(List<string> texts)
    {
        // The texts of one schedule are encoded as one batch (emphasis and padding depend on the batch).
        string key = string.Join("\u0000", texts);
        if (!_cache.TryGetValue(key, out var cached))
        {
            // Cached tensors outlive any dispose scope the caller may have open.
            var batch = EncodeTexts(texts).DetachFromDisposeScope();
            var rows = Enumerable.Range(0, texts.Count).Select(i => batch[i].DetachFromDisposeScope()).ToArray();
            cached = new CachedBatch(batch, rows);
            _cache[key] = cached;
        }
        cached.LastUse = ++_uses;
        return cached.Rows;
    }

    private sealed record CachedBatch(Tensor Batch, Tensor[] Rows) : IDisposable
    {
        public long LastUse { get; set; }

        public void Dispose()
        {
            foreach (var row in Rows) row.Dispose();
            Batch.Dispose();
        }
    }
}
