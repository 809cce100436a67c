using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// The text clean-up CLIP's tokenizer applies before BPE in WebUI: the subset of ftfy's <c>fix_text</c>
/// that changes real prompts (HTML entities, UTF-8 read as Windows-1252 "mojibake", Latin ligatures,
/// full-width letters, curly quotes, line breaks, control characters, NFC), then whitespace runs
/// collapsed to one space and the ends trimmed. Lower-casing is the tokenizer's job.
/// </summary>
public static partial class ClipTextCleaner
{
    /// <summary><c>whitespace_clean(fix_text(text))</c>.</summary>
    public static string Clean(string text) => CollapseWhitespace(FixText(text));

    /// <summary>
    /// ftfy's default <c>fix_text</c>, restricted to the fixes above. Like ftfy it works line by line and
    /// stops decoding HTML entities from the first line that contains a '&lt;' (it may be real HTML),
    /// and repeats the fixes on a line until nothing changes (so "&amp;amp;" becomes "&amp;").
    /// </summary>
    public static string FixText(string text)
    {
        var result = new StringBuilder(text.Length);
        bool unescapeHtml = true;
        int start = 0;
        while (start < text.Length)
        {
            int newline = text.IndexOf('\n', start);
            int end = newline < 0 ? text.Length : newline + 1;
            string line = text[start..end];
            if (unescapeHtml && line.Contains('<')) unescapeHtml = false;
            result.Append(FixLine(line, unescapeHtml));
            start = end;
        }
        return result.ToString();
    }

    /// <summary>Python's <c>re.sub(r"\s+", " ", text).strip()</c> with Python's notion of whitespace.</summary>
    public static string CollapseWhitespace(string text)
    {
        var result = new StringBuilder(text.Length);
        bool pendingSpace = false;
        foreach (char c in text)
        {
            if (IsPythonWhitespace(c)) { pendingSpace = result.Length > 0; continue; }
            if (pendingSpace) { result.Append(' '); pendingSpace = false; }
            result.Append(c);
        }
        return result.ToString();
    }

    /// <summary>Python's <c>str.isspace</c> for one UTF-16 unit (all such characters are in the BMP).</summary>
    public static bool IsPythonWhitespace(char c) => char.IsWhiteSpace(c) || (c >= '\x1c' && c <= '\x1f');

    private static string FixLine(string line, bool unescapeHtml)
    {
        while (true)
        {
            string original = line;
            if (unescapeHtml && line.Contains('&')) line = UnescapeHtml(line);
            line = FixMojibake(line);
            line = FixC1Controls(line);
            line = ReplaceChars(line, LigatureOrWidth);
            line = UncurlQuotes(line);
            line = FixLineBreaks(line);
            line = RemoveControlChars(line);
            line = line.Normalize(NormalizationForm.FormC);
            if (line == original) return line;
        }
    }

    [GeneratedRegex("&#?[0-9A-Za-z]{1,24};")]
    private static partial Regex HtmlEntity();

    /// <summary>Decodes the <c>&amp;name;</c> and <c>&amp;#n;</c> entities that name a character (the rest stay as written).</summary>
    public static string UnescapeHtml(string text) =>
        HtmlEntity().Replace(text, m =>
        {
            string decoded = WebUtility.HtmlDecode(m.Value);
            // An entity that names no character stays as written.
            return decoded.Contains(';') ? m.Value : decoded;
        });

    // Windows-1252 bytes 0x80..0x9F; the five bytes it leaves undefined read as the C1 control of the
    // same value, as ftfy's "sloppy" codec does.
    private const string Windows1252High =
        "\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F" +
        "\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178";

    private static readonly Dictionary<char, byte> SloppyWindows1252 = BuildSloppyWindows1252();

    private static Dictionary<char, byte> BuildSloppyWindows1252()
    {
        var map = new Dictionary<char, byte>();
        for (int b = 0; b < 256; b++)
        {
            char c = b is >= 0x80 and <= 0x9F ? Windows1252High[b - 0x80] : (char)b;
            map[c] = (byte)b;
        }
        // C1 controls are also accepted as their own byte (text that went through Latin-1 instead).
        for (int b = 0x80; b <= 0x9F; b++) map.TryAdd((char)b, (byte)b);
        return map;
    }

    /// <summary>
    /// Re-decodes runs of characters that are the Windows-1252 reading of a well-formed multi-byte UTF-8
    /// character ("cafÃ©" -> "café"). A lone accented letter never forms such a run, so real accents stay.
    /// </summary>
    private static string FixMojibake(string text)
    {
        StringBuilder? result = null;
        int i = 0;
        while (i < text.Length)
        {
            int length = MojibakeLengthAt(text, i);
            if (length == 0)
            {
                result?.Append(text[i]);
                i++;
                continue;
            }
            result ??= new StringBuilder(text, 0, i, text.Length);
            var bytes = new byte[length];
            for (int k = 0; k < length; k++) bytes[k] = SloppyWindows1252[text[i + k]];
            result.Append(Encoding.UTF8.GetString(bytes));
            i += length;
        }
        return result?.ToString() ?? text;
    }

    private static int MojibakeLengthAt(string text, int start)
    {
        if (!SloppyWindows1252.TryGetValue(text[start], out byte lead)) return 0;
        int continuation = lead switch
        {
            >= 0xC2 and <= 0xDF => 1,
            >= 0xE0 and <= 0xEF => 2,
            >= 0xF0 and <= 0xF4 => 3,
            _ => 0,
        };
        if (continuation == 0 || start + continuation >= text.Length) return 0;
        var bytes = new byte[continuation + 1];
        bytes[0] = lead;
        for (int k = 1; k <= continuation; k++)
        {
            if (!SloppyWindows1252.TryGetValue(text[start + k], out byte b) || b < 0x80 || b > 0xBF) return 0;
            bytes[k] = b;
        }
        // Reject overlong forms and surrogates: only sequences a UTF-8 decoder accepts count.
        try
        {
            new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return 0;
        }
        return continuation + 1;
    }

    /// <summary>C1 control characters left over are read as the Windows-1252 characters they encode.</summary>
    private static string FixC1Controls(string text)
    {
        if (!text.Any(c => c is >= '\u0080' and <= '\u009F')) return text;
        var chars = text.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
            if (chars[i] is >= '\u0080' and <= '\u009F') chars[i] = Windows1252High[chars[i] - 0x80];
        return new string(chars);
    }

    private static readonly Dictionary<char, string> LigatureOrWidth = BuildLigatureOrWidth();

    private static Dictionary<char, string> BuildLigatureOrWidth()
    {
        var map = new Dictionary<char, string>
        {
            ['\u0132'] = "IJ", ['\u0133'] = "ij", ['\u0149'] = "\u02BCn",
            ['\u01C4'] = "D\u017D", ['\u01C5'] = "D\u017E", ['\u01C6'] = "d\u017E",
            ['\u01C7'] = "LJ", ['\u01C8'] = "Lj", ['\u01C9'] = "lj",
            ['\u01CA'] = "NJ", ['\u01CB'] = "Nj", ['\u01CC'] = "nj",
            ['\u01F1'] = "DZ", ['\u01F2'] = "Dz", ['\u01F3'] = "dz",
            ['\uFB00'] = "ff", ['\uFB01'] = "fi", ['\uFB02'] = "fl", ['\uFB03'] = "ffi", ['\uFB04'] = "ffl",
            ['\uFB05'] = "\u017Ft", ['\uFB06'] = "st",
            // The ideographic space is the full-width space.
            ['\u3000'] = " ",
        };
        // Full-width and half-width forms become their ordinary (NFKC) characters.
        for (int c = 0xFF01; c <= 0xFFEE; c++)
        {
            string single = ((char)c).ToString();
            string compatible = single.Normalize(NormalizationForm.FormKC);
            if (compatible != single) map[(char)c] = compatible;
        }
        return map;
    }

    private static string ReplaceChars(string text, Dictionary<char, string> map)
    {
        StringBuilder? result = null;
        for (int i = 0; i < text.Length; i++)
        {
            if (map.TryGetValue(text[i], out var replacement))
            {
                result ??= new StringBuilder(text, 0, i, text.Length + 8);
                result.Append(replacement);
            }
            else result?.Append(text[i]);
        }
        return result?.ToString() ?? text;
    }

    private static string UncurlQuotes(string text)
    {
        if (!text.Any(c => c is >= '\u2018' and <= '\u201F')) return text;
        var chars = text.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (chars[i] is >= '\u2018' and <= '\u201B') chars[i] = '\'';
            else if (chars[i] is >= '\u201C' and <= '\u201F') chars[i] = '"';
        }
        return new string(chars);
    }

    private static string FixLineBreaks(string text) =>
        text.Replace("\r\n", "\n").Replace('\r', '\n').Replace('\u2028', '\n').Replace('\u2029', '\n').Replace('\u0085', '\n');

    /// <summary>Drops the control and format characters ftfy removes (tab, line feed and form feed stay).</summary>
    private static string RemoveControlChars(string text)
    {
        StringBuilder? result = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool drop = c is <= '\u0008' or '\u000B' or (>= '\u000E' and <= '\u001F') or '\u007F'
                or (>= '\u206A' and <= '\u206F') or '\uFEFF' or (>= '\uFFF9' and <= '\uFFFC');
            if (drop)
            {
                result ??= new StringBuilder(text, 0, i, text.Length);
                continue;
            }
            result?.Append(c);
        }
        return result?.ToString() ?? text;
    }

    /// <summary>
    /// Python's <c>str.lower</c>: the invariant simple mapping plus the two context rules .NET lacks
    /// (dotted capital I becomes "i" + combining dot; capital sigma at a word end becomes final sigma).
    /// </summary>
    public static string PythonLower(string text)
    {
        string lowered = text.ToLowerInvariant();
        if (!text.Contains('\u0130') && !text.Contains('\u03A3')) return lowered;
        // The invariant mapping is one UTF-16 unit for one, so positions in both strings agree.
        var result = new StringBuilder(text.Length + 4);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\u0130') result.Append("i\u0307");
            else if (c == '\u03A3')
            {
                bool afterLetter = i > 0 && char.IsLetter(text[i - 1]);
                bool beforeLetter = i + 1 < text.Length && char.IsLetter(text[i + 1]);
                result.Append(afterLetter && !beforeLetter ? '\u03C2' : '\u03C3');
            }
            else result.Append(lowered[i]);
        }
        return result.ToString();
    }
}
