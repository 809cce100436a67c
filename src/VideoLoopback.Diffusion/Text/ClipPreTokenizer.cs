using System.Text;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// CLIP's pre-tokenisation pattern
/// <c>&lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>
/// (case-insensitive), applied like Python's <c>re.findall</c>: at each position the first alternative
/// that matches wins, and positions where none matches (whitespace) are skipped. Written as a scanner
/// over code points so letters and digits outside the BMP are classified as Python does.
/// </summary>
public static class ClipPreTokenizer
{
    private static readonly string[] Contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    public static List<string> Split(string text) => Split(text, ClipTokenizer.StartOfText, ClipTokenizer.EndOfText);

    /// <summary>The same pattern with the special tokens spelled <paramref name="startOfText"/>, <paramref name="endOfText"/> (OpenCLIP's differ).</summary>
    public static List<string> Split(string text, string startOfText, string endOfText)
    {
        var words = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            if (StartsWith(text, i, startOfText)) { words.Add(text.Substring(i, startOfText.Length)); i += startOfText.Length; continue; }
            if (StartsWith(text, i, endOfText)) { words.Add(text.Substring(i, endOfText.Length)); i += endOfText.Length; continue; }
            string? contraction = Contractions.FirstOrDefault(c => StartsWith(text, i, c));
            if (contraction is not null) { words.Add(text.Substring(i, contraction.Length)); i += contraction.Length; continue; }

            var rune = Rune.GetRuneAt(text, i);
            var kind = Classify(rune);
            if (kind == CharKind.Space) { i += rune.Utf16SequenceLength; continue; }
            if (kind == CharKind.Number) { words.Add(rune.ToString()); i += rune.Utf16SequenceLength; continue; }

            // A run of letters, or a run of everything that is neither space, letter nor number.
            int start = i;
            while (i < text.Length)
            {
                var next = Rune.GetRuneAt(text, i);
                if (Classify(next) != kind) break;
                i += next.Utf16SequenceLength;
            }
            words.Add(text[start..i]);
        }
        return words;
    }

    private enum CharKind { Space, Letter, Number, Other }

    private static CharKind Classify(Rune rune)
    {
        if (rune.IsBmp && ClipTextCleaner.IsPythonWhitespace((char)rune.Value)) return CharKind.Space;
        if (Rune.IsLetter(rune)) return CharKind.Letter;
        if (Rune.IsNumber(rune)) return CharKind.Number;
        return CharKind.Other;
    }

    private static bool StartsWith(string text, int index, string value) =>
        string.CompareOrdinal(text, index, value, 0, value.Length) == 0 && index + value.Length <= text.Length;
}
