namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// Turns one prompt into 77-token chunks the way WebUI does (sd_hijack_clip.tokenize_line): the attention
/// syntax is parsed, each weighted run is tokenized on its own, BREAK starts a new chunk, and when a chunk
/// fills up within <see cref="CommaPaddingBacktrack"/> tokens of a comma, the tokens after that comma move
/// to the next chunk so a phrase is not cut in two. A textual-inversion embedding named in a run takes as many
/// positions as it has vectors and is never split: it starts a new chunk when it does not fit in the current one.
/// </summary>
public sealed class PromptChunker
{
    private readonly ClipTokenizer _tokenizer;
    private readonly int _commaToken;

    public PromptChunker(ClipTokenizer tokenizer, int commaPaddingBacktrack = 20, EmphasisMode emphasis = EmphasisMode.Original,
        TextualInversionLibrary? embeddings = null)
    {
        Embeddings = embeddings;
        if (commaPaddingBacktrack is < 0 or > PromptChunk.Length)
            throw new ArgumentOutOfRangeException(nameof(commaPaddingBacktrack), commaPaddingBacktrack, $"comma padding backtrack must be between 0 and {PromptChunk.Length}");
        _tokenizer = tokenizer;
        _commaToken = tokenizer.TokenId(",</w>");
        CommaPaddingBacktrack = commaPaddingBacktrack;
        Emphasis = emphasis;
    }

    /// <summary>WebUI's "comma_padding_backtrack" (default 20; 0 disables the comma rule).</summary>
    public int CommaPaddingBacktrack { get; }
    public EmphasisMode Emphasis { get; }

    /// <summary>The embeddings prompts may name, or null for none.</summary>
    public TextualInversionLibrary? Embeddings { get; }

    /// <summary>The weighted runs of <paramref name="line"/> (the whole line at weight 1 when emphasis is None).</summary>
    public List<WeightedText> Parse(string line) =>
        Emphasis == EmphasisMode.None ? [new WeightedText(line, 1.0)] : PromptAttention.Parse(line);

    /// <summary>
    /// The chunks of <paramref name="line"/> and its token count: 75 per full chunk plus the tokens of the
    /// last one (so an empty prompt counts 0, and a BREAK alone counts 75).
    /// </summary>
    public (List<PromptChunk> Chunks, int TokenCount) TokenizeLine(string line)
    {
        var parsed = Parse(line);
        var chunks = new List<PromptChunk>();
        var tokens = new List<int>(PromptChunk.Length);
        var multipliers = new List<double>(PromptChunk.Length);
        var fixes = new List<PromptEmbeddingFix>();
        int tokenCount = 0;
        int lastComma = -1;

        void NextChunk(bool isLast = false)
        {
            tokenCount += isLast ? tokens.Count : PromptChunk.Length;
            var chunkTokens = new int[PromptChunk.PaddedLength];
            var chunkMultipliers = new double[PromptChunk.PaddedLength];
            Array.Fill(chunkTokens, ClipTokenizer.EosId);
            Array.Fill(chunkMultipliers, 1.0);
            chunkTokens[0] = ClipTokenizer.BosId;
            tokens.CopyTo(chunkTokens, 1);
            multipliers.CopyTo(chunkMultipliers, 1);
            chunks.Add(new PromptChunk(chunkTokens, chunkMultipliers) { Fixes = fixes.ToList() });
            tokens.Clear();
            multipliers.Clear();
            fixes.Clear();
            lastComma = -1;
        }

        foreach (var run in parsed)
        {
            if (run.IsBreak)
            {
                NextChunk();
                continue;
            }
            var runTokens = _tokenizer.Encode(run.Text);
            int position = 0;
            while (position < runTokens.Length)
            {
                int token = runTokens[position];
                if (token == _commaToken) lastComma = tokens.Count;
                else if (CommaPaddingBacktrack != 0 && tokens.Count == PromptChunk.Length && lastComma != -1
                         && tokens.Count - lastComma <= CommaPaddingBacktrack)
                {
                    // Move everything after the last comma into the next chunk. As in WebUI, embeddings placed after the
                    // comma stay listed on the closed chunk (their vectors land on its padding) and the moved positions
                    // keep token 0.
                    int breakAt = lastComma + 1;
                    var movedTokens = tokens.GetRange(breakAt, tokens.Count - breakAt);
                    var movedMultipliers = multipliers.GetRange(breakAt, multipliers.Count - breakAt);
                    tokens.RemoveRange(breakAt, tokens.Count - breakAt);
                    multipliers.RemoveRange(breakAt, multipliers.Count - breakAt);
                    NextChunk();
                    tokens.AddRange(movedTokens);
                    multipliers.AddRange(movedMultipliers);
                }

                if (tokens.Count == PromptChunk.Length) NextChunk();

                var embedding = Embeddings?.FindAt(runTokens, position);
                if (embedding is null)
                {
                    tokens.Add(token);
                    multipliers.Add(run.Weight);
                    position++;
                    continue;
                }
                int vectors = embedding.VectorCount;
                if (tokens.Count + vectors > PromptChunk.Length) NextChunk();
                // Fix positions count the start token, which the chunk gets when it is closed.
                fixes.Add(new PromptEmbeddingFix(tokens.Count + 1, embedding));
                for (int i = 0; i < vectors; i++)
                {
                    tokens.Add(0);
                    multipliers.Add(run.Weight);
                }
                position += embedding.TokenIds.Length;
            }
        }

        if (tokens.Count > 0 || chunks.Count == 0) NextChunk(isLast: true);
        return (chunks, tokenCount);
    }
}
