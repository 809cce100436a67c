using System.IO.Compression;
using System.Text;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// CLIP's byte-level BPE tokenizer (49408 tokens, words end in "&lt;/w&gt;"), as HF's CLIPTokenizer runs it
/// with ftfy installed: clean the text (<see cref="ClipTextCleaner"/>), lower-case, split with CLIP's
/// pre-tokenisation pattern, map UTF-8 bytes to printable characters, then merge by BPE rank.
/// The vocabulary is openai/CLIP's bpe_simple_vocab_16e6.txt.gz, shipped as an embedded resource.
/// </summary>
public sealed class ClipTokenizer
{
    public const int BosId = 49406;
    public const int EosId = 49407;
    /// <summary>SD1.x pads with the end token (WebUI and HF agree on 49407).</summary>
    public const int PadId = 49407;
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";
    private const string WordEnd = "</w>";
    // The merges used by CLIP: 49408 tokens - 256 bytes - 256 word-end bytes - 2 special tokens.
    private const int MergeCount = 49152 - 256 - 2;
    private const string EmbeddedVocabulary = "VideoLoopback.Diffusion.Text.bpe_simple_vocab_16e6.txt.gz";

    /// <summary>OpenCLIP's spelling of the same two special tokens (ids 49406, 49407).</summary>
    public const string OpenClipStartOfText = "<start_of_text>";
    public const string OpenClipEndOfText = "<end_of_text>";

    private static readonly Lazy<ClipTokenizer> Shared = new(() => LoadEmbedded(openClip: false));
    private static readonly Lazy<ClipTokenizer> SharedOpenClip = new(() => LoadEmbedded(openClip: true));
    private readonly string _startOfText, _endOfText;
    private readonly bool _openClip;

    private readonly Dictionary<string, int> _idByToken;
    private readonly string[] _tokenById;
    private readonly Dictionary<(string, string), int> _mergeRank;
    private readonly Dictionary<string, string[]> _wordCache = new();
    private readonly object _cacheLock = new();

    private ClipTokenizer(List<(string Left, string Right)> merges, bool openClip = false)
    {
        _openClip = openClip;
        (_startOfText, _endOfText) = openClip ? (OpenClipStartOfText, OpenClipEndOfText) : (StartOfText, EndOfText);
        var vocabulary = new List<string>(49408);
        vocabulary.AddRange(ByteToUnicode.Characters.Select(c => c.ToString()));
        vocabulary.AddRange(ByteToUnicode.Characters.Select(c => c + WordEnd));
        vocabulary.AddRange(merges.Select(m => m.Left + m.Right));
        vocabulary.Add(_startOfText);
        vocabulary.Add(_endOfText);
        _tokenById = vocabulary.ToArray();
        _idByToken = new Dictionary<string, int>(_tokenById.Length);
        for (int i = 0; i < _tokenById.Length; i++) _idByToken[_tokenById[i]] = i;
        _mergeRank = new Dictionary<(string, string), int>(merges.Count);
        for (int i = 0; i < merges.Count; i++) _mergeRank[merges[i]] = i;
    }

    /// <summary>The tokenizer over the vocabulary shipped with the engine (loaded once, thread-safe).</summary>
    public static ClipTokenizer Default => Shared.Value;

    /// <summary>
    /// OpenCLIP's tokenizer (SD2.x; <c>open_clip.tokenizer.SimpleTokenizer</c>): the same vocabulary and BPE, but the whole
    /// text is cleaned at once (ftfy, then HTML entities decoded twice, whitespace collapsed, lower-cased) and the special
    /// tokens are spelled <c>&lt;start_of_text&gt;</c>, <c>&lt;end_of_text&gt;</c> (a literal "&lt;|endoftext|&gt;" is plain text).
    /// </summary>
    public static ClipTokenizer OpenClip => SharedOpenClip.Value;

    public int VocabularySize => _tokenById.Length;

    /// <summary>Loads a CLIP BPE file in openai's format (gzip text: a version line, then one merge per line).</summary>
    public static ClipTokenizer FromBpeFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"CLIP BPE vocabulary '{path}': file not found", path);
        using var stream = File.OpenRead(path);
        return FromBpeStream(stream, path);
    }

    private static ClipTokenizer LoadEmbedded(bool openClip)
    {
        using var stream = typeof(ClipTokenizer).Assembly.GetManifestResourceStream(EmbeddedVocabulary)
            ?? throw new InvalidOperationException($"embedded resource '{EmbeddedVocabulary}' is missing from the assembly");
        return FromBpeStream(stream, EmbeddedVocabulary, openClip);
    }

    private static ClipTokenizer FromBpeStream(Stream compressed, string name, bool openClip = false)
    {
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        reader.ReadLine(); // version line
        var merges = new List<(string, string)>(MergeCount);
        while (merges.Count < MergeCount && reader.ReadLine() is { } line)
        {
            var parts = line.Split(' ');
            if (parts.Length != 2)
                throw new InvalidDataException($"CLIP BPE vocabulary '{name}': line {merges.Count + 2} is not 'left right': '{line}'");
            merges.Add((parts[0], parts[1]));
        }
        if (merges.Count != MergeCount)
            throw new InvalidDataException($"CLIP BPE vocabulary '{name}': {merges.Count} merges, expected {MergeCount}");
        return new ClipTokenizer(merges, openClip);
    }

    /// <summary>Token ids of <paramref name="text"/> without start/end tokens or padding (WebUI's call).</summary>
    public int[] Encode(string text) => Tokenize(text).Select(t => _idByToken[t]).ToArray();

    /// <summary>
    /// <c>[BOS, ids[:maxLength-2], EOS, PAD...]</c>, exactly <paramref name="maxLength"/> long.
    /// </summary>
    public int[] EncodePadded(string text, int maxLength = 77)
    {
        if (maxLength < 2) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "must be at least 2 (start and end token)");
        var ids = Encode(text);
        var padded = new int[maxLength];
        Array.Fill(padded, PadId);
        padded[0] = BosId;
        int count = Math.Min(ids.Length, maxLength - 2);
        Array.Copy(ids, 0, padded, 1, count);
        padded[count + 1] = EosId;
        return padded;
    }

    /// <summary>The BPE token strings of <paramref name="text"/> (byte-level characters, "&lt;/w&gt;" word ends).</summary>
    public List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        if (_openClip)
        {
            string text2 = ClipTextCleaner.UnescapeHtml(ClipTextCleaner.UnescapeHtml(ClipTextCleaner.FixText(text)));
            string cleanedWhole = ClipTextCleaner.PythonLower(ClipTextCleaner.CollapseWhitespace(text2));
            foreach (string word in ClipPreTokenizer.Split(cleanedWhole, _startOfText, _endOfText))
            {
                if (word == _startOfText || word == _endOfText) { tokens.Add(word); continue; }
                tokens.AddRange(Bpe(ByteToUnicode.Encode(word)));
            }
            return tokens;
        }
        // Like HF, literal special tokens split the text first; each piece is cleaned on its own (which
        // matters to ftfy: a '<' in the same line would stop it decoding HTML entities).
        foreach (var (piece, isSpecial) in SplitOnSpecialTokens(text))
        {
            if (isSpecial) { tokens.Add(piece); continue; }
            string cleaned = ClipTextCleaner.PythonLower(ClipTextCleaner.Clean(piece));
            foreach (string word in ClipPreTokenizer.Split(cleaned))
            {
                if (word is StartOfText or EndOfText) { tokens.Add(word); continue; }
                tokens.AddRange(Bpe(ByteToUnicode.Encode(word)));
            }
        }
        return tokens;
    }

    private static IEnumerable<(string Piece, bool IsSpecial)> SplitOnSpecialTokens(string text)
    {
        int start = 0;
        while (start < text.Length)
        {
            int bos = text.IndexOf(StartOfText, start, StringComparison.Ordinal);
            int eos = text.IndexOf(EndOfText, start, StringComparison.Ordinal);
            int next = bos < 0 ? eos : eos < 0 ? bos : Math.Min(bos, eos);
            if (next < 0) break;
            if (next > start) yield return (text[start..next], false);
            string special = next == bos ? StartOfText : EndOfText;
            yield return (special, true);
            start = next + special.Length;
        }
        if (start < text.Length) yield return (text[start..], false);
    }

    /// <summary>The id of a vocabulary entry such as ",&lt;/w&gt;"; throws if the vocabulary lacks it.</summary>
    public int TokenId(string token) =>
        _idByToken.TryGetValue(token, out int id) ? id : throw new KeyNotFoundException($"'{token}' is not in the CLIP vocabulary");

    public string TokenText(int id) =>
        id >= 0 && id < _tokenById.Length ? _tokenById[id] : throw new ArgumentOutOfRangeException(nameof(id), id, $"not a CLIP token id (0..{_tokenById.Length - 1})");

    /// <summary>Merges one pre-tokenised word, lowest rank first, until no known pair is left.</summary>
    private string[] Bpe(string word)
    {
        lock (_cacheLock)
            if (_wordCache.TryGetValue(word, out var cached)) return cached;

        var symbols = new List<string>(word.Length);
        for (int i = 0; i < word.Length - 1; i++) symbols.Add(word[i].ToString());
        symbols.Add(word[^1] + WordEnd);

        while (symbols.Count > 1)
        {
            int bestRank = int.MaxValue;
            (string, string) best = default;
            for (int i = 0; i < symbols.Count - 1; i++)
            {
                if (_mergeRank.TryGetValue((symbols[i], symbols[i + 1]), out int rank) && rank < bestRank)
                {
                    bestRank = rank;
                    best = (symbols[i], symbols[i + 1]);
                }
            }
            if (bestRank == int.MaxValue) break;
            // Merge every occurrence of the pair, left to right, without overlapping.
            var merged = new List<string>(symbols.Count);
            for (int i = 0; i < symbols.Count; i++)
            {
                if (i < symbols.Count - 1 && symbols[i] == best.Item1 && symbols[i + 1] == best.Item2)
                {
                    merged.Add(best.Item1 + best.Item2);
                    i++;
                }
                else merged.Add(symbols[i]);
            }
            symbols = merged;
        }

        var result = symbols.ToArray();
        lock (_cacheLock)
        {
            if (_wordCache.Count > 100_000) _wordCache.Clear();
            _wordCache[word] = result;
        }
        return result;
    }
}
