using VideoLoopback.Video.Imaging;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// The original's image listing: the folder's files in plain ordinal name order, kept only when their content looks like
/// an image (Python's imghdr sniffing, so a <c>.txt</c> prompt file is never a frame). Hidden names and <c>*.tmp</c>
/// (temporaries of a frame being written) are never frames. A file that cannot be sniffed is an error naming it, never
/// skipped: a frame must not silently go missing.
/// </summary>
public static class ImageListing
{
    /// <exception cref="ImageFileException">A file is unreadable, not a regular file, or has a name .NET cannot open.</exception>
    public static IReadOnlyList<string> ImagePaths(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"folder '{directory}' does not exist");
        return Directory.EnumerateFiles(directory)
            .Where(p => !IsTemporary(Path.GetFileName(p)))
            .Order(StringComparer.Ordinal)
            .Where(IsImage)
            .ToList();
    }

    /// <summary>Hidden files and a writer's temporaries (<c>0000001.png.tmp</c>): never read as frames.</summary>
    public static bool IsTemporary(string name) =>
        name.StartsWith('.') || name.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when the file starts like one of the image formats imghdr knows (PNG, JPEG, GIF, BMP, TIFF, WebP).</summary>
    /// <exception cref="ImageFileException">The file cannot be read, or is a pipe, socket or device (never opened).</exception>
    public static bool IsImage(string path)
    {
        // .NET decodes file names as UTF-8, replacing invalid bytes with U+FFFD: such a name cannot be opened again.
        if (Path.GetFileName(path).Contains('\uFFFD') && !File.Exists(path))
            throw new ImageFileException(path, "the file name is not valid UTF-8, so it cannot be opened (rename the file)");
        if (SpecialFile.Is(path)) throw new ImageFileException(path, "not a regular file (a pipe, socket or device)");
        Span<byte> h = stackalloc byte[32];
        int n;
        try
        {
            using var f = File.OpenRead(path);
            n = f.ReadAtLeast(h, h.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageFileException(path, $"cannot read ({e.Message})", e);
        }
        h = h[..n];
        return h.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            || (n >= 10 && (h[6..10].SequenceEqual("JFIF"u8) || h[6..10].SequenceEqual("Exif"u8)))
            || h.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF, 0xDB])
            || h.StartsWith("GIF87a"u8) || h.StartsWith("GIF89a"u8)
            || h.StartsWith("BM"u8)
            || h.StartsWith("MM"u8) || h.StartsWith("II"u8)
            || (n >= 12 && h.StartsWith("RIFF"u8) && h[8..12].SequenceEqual("WEBP"u8));
    }
}
