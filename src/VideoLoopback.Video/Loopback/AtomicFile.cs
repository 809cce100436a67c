namespace VideoLoopback.Video.Loopback;

/// <summary>
/// Writes a file whole or not at all: the bytes go to a temporary name of their own beside it (random, created
/// exclusively, so never a file or link someone else placed there), which is then renamed onto the final name. A reader
/// that sees the final name sees a complete file; a failed write leaves nothing behind.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        var temp = TempName(path);
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None)) file.Write(bytes);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>A name beside <paramref name="path"/> nobody can predict, ending in <c>.tmp</c> so a folder listing never takes it for a frame.</summary>
    public static string TempName(string path) => $"{path}.{Guid.NewGuid():N}.tmp";

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
