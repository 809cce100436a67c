using System.Text;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// GPT-2/CLIP's reversible map from the 256 byte values to printable characters, so BPE works on
/// text without whitespace or control characters: printable Latin-1 bytes map to themselves, the
/// rest to U+0100 onwards in byte order.
/// </summary>
public static class ByteToUnicode
{
    /// <summary>The characters in vocabulary order (the printable bytes first, then the others).</summary>
    public static IReadOnlyList<char> Characters { get; }

    private static readonly char[] ByByte = new char[256];

    static ByteToUnicode()
    {
        var printable = new List<int>();
        for (int b = '!'; b <= '~'; b++) printable.Add(b);
        for (int b = 0xA1; b <= 0xAC; b++) printable.Add(b);
        for (int b = 0xAE; b <= 0xFF; b++) printable.Add(b);

        var order = new List<char>(256);
        foreach (int b in printable) { ByByte[b] = (char)b; order.Add((char)b); }
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            if (printable.Contains(b)) continue;
            ByByte[b] = (char)(256 + next++);
            order.Add(ByByte[b]);
        }
        Characters = order;
    }

    /// <summary>The UTF-8 bytes of <paramref name="text"/>, one mapped character per byte.</summary>
    public static string Encode(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByByte[bytes[i]];
        return new string(chars);
    }
}
