namespace VideoLoopback.Video.Loopback;

/// <summary>
/// read_prompt_from_txt: the <c>.txt</c> beside each input frame, split once on <c>" --neg "</c> into prompt and negative
/// prompt. The text is used raw (a trailing newline stays); a missing file gives (null, null), a file without
/// <c>" --neg "</c> gives a null negative prompt.
/// </summary>
public static class PromptFiles
{
    public static (string? Prompt, string? Negative) ForFrame(string framePath)
    {
        var txt = Path.ChangeExtension(framePath, ".txt");
        if (!File.Exists(txt)) return (null, null);
        // Python's text mode turns \r\n and \r into \n.
        var text = File.ReadAllText(txt).Replace("\r\n", "\n").Replace('\r', '\n');
        int at = text.IndexOf(" --neg ", StringComparison.Ordinal);
        return at < 0 ? (text, null) : (text[..at], text[(at + 7)..]);
    }
}
