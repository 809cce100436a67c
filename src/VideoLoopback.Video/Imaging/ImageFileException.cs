namespace VideoLoopback.Video.Imaging;

/// <summary>
/// An image that cannot be read: corrupt, truncated, over the pixel limit, or not a regular file. The message starts with
/// the file's path. An <see cref="IOException"/>, as a file that cannot be opened is.
/// </summary>
public sealed class ImageFileException(string path, string problem, Exception? inner = null)
    : IOException($"{path}: {problem}", inner)
{
    public string Path { get; } = path;
}
