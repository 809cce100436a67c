using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// Turns WebUI prompts into UNet conditioning with one or more text towers (SD1.x/SD2.x: one; SDXL: CLIP-L and OpenCLIP
/// bigG): attention weights, BREAK, 75-token chunks with comma back-tracking, clip skip, emphasis, prompt editing and
/// alternation per step, AND composition. Each tower tokenizes, chunks, encodes and applies emphasis on its own, as WebUI
/// runs one FrozenCLIPEmbedderWithCustomWords per embedder; their rows are then joined on the channel axis (sgm's
/// GeneralConditioner), and the tower that yields a pooled output gives it from each text's first chunk, untouched by
/// emphasis. Encodings are cached by the exact set of texts encoded together, so within one render
/// (one conditioner) an unchanged prompt runs through the text model once; <see cref="ClearCache"/> or
/// dispose to free them. Extra-network tags ("&lt;lora:...&gt;") are not handled here: strip them first
/// with <see cref="ExtraNetworkTag.Extract"/>. Textual-inversion embeddings named in a prompt are found in the
/// <see cref="TextualInversionLibrary"/> given, if any.
/// Outputs are float32 on the text model's device (WebUI's emphasis promotes to float32 as well).
/// </summary>
public sealed class PromptConditioner : IDisposable
{
    private readonly TextTower[] _towers;
    private readonly PromptChunker[] _chunkers;
    private readonly Dictionary<string, CachedBatch> _cache = new();
    private long _uses;

    /// <param name="padId">the id after a chunk's first end token: CLIP's end token itself (SD1.x), OpenCLIP's 0 (SD2.x).</param>
    public PromptConditioner(ClipTextModel textModel, ClipTokenizer? tokenizer = null, int clipSkip = 1,
        EmphasisMode emphasis = EmphasisMode.Original, int commaPaddingBacktrack = 20, TextualInversionLibrary? embeddings = null,
        int padId = ClipTokenizer.PadId)
        : this([new TextTower(textModel, tokenizer ?? ClipTokenizer.Default, padId, clipSkip)], emphasis, commaPaddingBacktrack, embeddings)
    {
    }

    /// <param name="towers">The text towers, in the order their rows are joined; at most one yields the pooled output.</param>
    /// <param name="zeroEmptyNegative">
    /// Whether a negative prompt whose schedule holds only empty texts is encoded as zeros, rows and pooled output alike
    /// (WebUI's SDXL get_learned_conditioning, force_zero_negative_prompt).
    /// </param>
    public PromptConditioner(IReadOnlyList<TextTower> towers, EmphasisMode emphasis = EmphasisMode.Original, int commaPaddingBacktrack = 20,
        TextualInversionLibrary? embeddings = null, bool zeroEmptyNegative = false)
    {
        if (towers.Count == 0) throw new ArgumentException("a prompt conditioner needs at least one text tower", nameof(towers));
        if (towers.Count(t => t.YieldsPooled) > 1) throw new ArgumentException("at most one text tower yields the pooled output", nameof(towers));
        foreach (var tower in towers)
            if (tower.LayerFromEnd < 1 || tower.LayerFromEnd > tower.Model.Config.LayerCount)
                throw new ArgumentOutOfRangeException(nameof(towers), tower.LayerFromEnd,
                    $"clip skip must be between 1 and the text model's {tower.Model.Config.LayerCount} layers");
        _towers = towers.ToArray();
        _chunkers = _towers.Select(t => new PromptChunker(t.Tokenizer, commaPaddingBacktrack, emphasis, embeddings)).ToArray();
        ZeroEmptyNegative = zeroEmptyNegative;
    }

    /// <summary>WebUI's "Clip skip" (CLIP_stop_at_last_layers) of the first tower: 1 uses the last layer, 2 the one before, ...</summary>
    public int ClipSkip => _towers[0].LayerFromEnd;
    /// <summary>The first tower's pad id.</summary>
    public int PadId => _towers[0].PadId;
    public EmphasisMode Emphasis => _chunkers[0].Emphasis;
    /// <summary>The first tower's chunker.</summary>
    public PromptChunker Chunker => _chunkers[0];
    public IReadOnlyList<TextTower> Towers => _towers;
    public bool ZeroEmptyNegative { get; }

    /// <summary>The width of the conditioning rows: the towers' widths summed.</summary>
    public int Width => _towers.Sum(t => t.Width);

    /// <summary>How many texts have been run through the text model (cache misses), for diagnostics and tests.</summary>
    public int EncodedTextCount { get; private set; }

    /// <summary>
    /// WebUI's FrozenCLIPEmbedderWithCustomWords.forward: texts -> [B,77k,C], k = the most chunks of any
    /// text; texts with fewer chunks get encoded empty chunks. Each chunk position is encoded as one batch and
    /// emphasis is applied over that batch. Not cached; the caller owns the result.
    /// </summary>
    public Tensor EncodeTexts(IReadOnlyList<string> texts)
    {
        var (cond, pooled) = EncodeTextsWithPooled(texts);
        pooled?.Dispose();
        return cond;
    }

    /// <summary>
    /// <see cref="EncodeTexts"/> with the pooled output [B,P] of the tower that yields one (null when none does), from each
    /// text's first chunk. With several towers every tower must split the texts into as many chunks (sgm joins them on the
    /// channel axis). Not cached; the caller owns the results.
    /// </summary>
    public (Tensor Cond, Tensor? Pooled) EncodeTextsWithPooled(IReadOnlyList<string> texts)
    {
        if (texts.Count == 0) throw new ArgumentException("no texts to encode", nameof(texts));
        using var scope = NewDisposeScope();
        var rows = new List<Tensor>(_towers.Length);
        Tensor? pooled = null;
        int chunkCount = -1;
        List<int>? firstCounts = null;
        for (int t = 0; t < _towers.Length; t++)
        {
            var tower = _towers[t];
            var batchChunks = texts.Select(text => _chunkers[t].TokenizeLine(text).Chunks).ToList();
            int towerChunks = batchChunks.Max(c => c.Count);
            if (chunkCount >= 0 && towerChunks != chunkCount)
            {
                // The text that makes the most chunks with whichever tokenizer makes more.
                int culprit = towerChunks > chunkCount ? batchChunks.FindIndex(c => c.Count == towerChunks) : firstCounts!.IndexOf(chunkCount);
                throw new PromptSyntaxException(
                    $"prompt \"{texts[culprit]}\": {batchChunks[culprit].Count} chunks with text encoder {t + 1}'s tokenizer " +
                    $"but {firstCounts![culprit]} with the first one's; the encoders' outputs cannot be joined (shorten the prompt or add a BREAK)");
            }
            firstCounts ??= batchChunks.Select(c => c.Count).ToList();
            chunkCount = towerChunks;
            var device = tower.Model.Device;
            var encoded = new List<Tensor>(chunkCount);
            for (int i = 0; i < chunkCount; i++)
            {
                var chunks = batchChunks.Select(c => i < c.Count ? c[i] : PromptChunk.Empty()).ToList();
                long[] shape = [chunks.Count, PromptChunk.PaddedLength];
                var ids = tensor(chunks.SelectMany(c => PaddedIds(c.Tokens, tower.PadId)).ToArray(), shape, device: device);
                // WebUI builds the multipliers as a float32 tensor.
                var multipliers = tensor(chunks.SelectMany(c => c.Multipliers.Select(m => (float)m)).ToArray(), shape, device: device);
                var fixes = chunks.SelectMany((c, row) => c.Fixes.Select(f => new TokenEmbeddingFix(row, f.Position, f.Embedding.VectorsFor(tower.EmbeddingKey)))).ToList();
                // The pooled output is taken from the first chunk (WebUI: zs[0].pooled); the other chunks need no last layer for it.
                var (z, chunkPooled) = tower.Model.EncodeLayer(ids, tower.LayerFromEnd, tower.FinalNorm, tower.YieldsPooled && i == 0, fixes);
                encoded.Add(PromptEmphasis.Apply(z, multipliers, Emphasis));
                if (chunkPooled is not null) pooled = chunkPooled.to(ScalarType.Float32);
            }
            rows.Add(cat(encoded, 1));
        }
        EncodedTextCount += texts.Count;
        var cond = rows.Count == 1 ? rows[0] : cat(rows, 2);
        return (cond.MoveToOuterDisposeScope(), pooled?.MoveToOuterDisposeScope());
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
    /// <paramref name="negative"/> marks negative prompts: with <see cref="ZeroEmptyNegative"/> (SDXL) a schedule whose texts
    /// are all empty is then zeros.
    /// </summary>
    public IReadOnlyList<PromptSchedule> GetLearnedConditioning(IReadOnlyList<string> prompts, int steps, int? hiresSteps = null, bool useOldScheduling = false,
        bool negative = false)
    {
        var byPrompt = new Dictionary<string, PromptSchedule>();
        var result = new List<PromptSchedule>(prompts.Count);
        foreach (string prompt in prompts)
        {
            if (!byPrompt.TryGetValue(prompt, out var schedule))
            {
                var textSchedule = PromptScheduler.GetSchedule(prompt, steps, hiresSteps, useOldScheduling);
                var texts = textSchedule.Select(s => s.Text).ToList();
                var cached = EncodeCached(texts, zero: negative && ZeroEmptyNegative && texts.All(t => t.Length == 0));
                schedule = new PromptSchedule(textSchedule.Select((s, i) => new ScheduledConditioning(s.EndAtStep, cached.Rows[i], cached.PooledRows?[i])).ToList());
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

    private CachedBatch EncodeCached(List<string> texts, bool zero)
    {
        // The texts of one schedule are encoded as one batch (emphasis and padding depend on the batch).
        string key = (zero ? "\u0001zero\u0000" : "") + string.Join("\u0000", texts);
        if (!_cache.TryGetValue(key, out var cached))
        {
            var (batch, pooled) = EncodeTextsWithPooled(texts);
            if (zero)
            {
                // sgm's force_zero_embeddings: the encoders run, then every output of theirs is replaced by zeros of its shape.
                (batch, pooled) = (ZerosLike(batch), pooled is null ? null : ZerosLike(pooled));
            }
            // Cached tensors outlive any dispose scope the caller may have open.
            batch.DetachFromDisposeScope();
            pooled?.DetachFromDisposeScope();
            var rows = Enumerable.Range(0, texts.Count).Select(i => batch[i].DetachFromDisposeScope()).ToArray();
            var pooledRows = pooled is null ? null : Enumerable.Range(0, texts.Count).Select(i => pooled[i].DetachFromDisposeScope()).ToArray();
            cached = new CachedBatch(batch, rows, pooled, pooledRows);
            _cache[key] = cached;
        }
        cached.LastUse = ++_uses;
        return cached;
    }

    private static Tensor ZerosLike(Tensor encoded)
    {
        using (encoded) return zeros_like(encoded);
    }

    private sealed record CachedBatch(Tensor Batch, Tensor[] Rows, Tensor? Pooled, Tensor[]? PooledRows) : IDisposable
    {
        public long LastUse { get; set; }

        public void Dispose()
        {
            foreach (var row in Rows) row.Dispose();
            Batch.Dispose();
            foreach (var row in PooledRows ?? []) row.Dispose();
            Pooled?.Dispose();
        }
    }
}
