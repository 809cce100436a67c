namespace VideoLoopback.Video.Loopback;

/// <summary>
/// The original's image listing: the folder's files (hidden ones skipped) in plain ordinal name order, kept only when
/// their content looks like an image (Python's imghdr sniffing, so a <c>.txt</c> prompt file is never a frame).
/// </summary>
public static class ImageListing
{
    public static IReadOnlyList<string> ImagePaths(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"folder '{directory}' does not exist");
        return Directory.EnumerateFiles(directory)
            .Where(p => !Path.GetFileName(p).StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .Where(IsImage)
            .ToList();
    }

    /// <summary>True when the file starts like one of the image formats imghdr knows (PNG, JPEG, GIF, BMP, TIFF, WebP).</summary>
    public static bool IsImage(string path)
    {
        Span<byte> h = stackalloc byte[32];
        int n;
        try
        {
            using var f = File.OpenRead(path);
            n = f.ReadAtLeast(h, h.Length, throwOnEndOfStream: false);
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
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
