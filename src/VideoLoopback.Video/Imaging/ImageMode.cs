namespace VideoLoopback.Video.Imaging;

/// <summary>PIL image modes a uint8 frame tensor can hold; the mode follows from the channel count.</summary>
public enum ImageMode
{
    /// <summary>Greyscale, 1 channel.</summary>
    L,
    /// <summary>Greyscale with alpha, 2 channels.</summary>
    LA,
    /// <summary>3 channels.</summary>
    RGB,
    /// <summary>4 channels, straight (un-premultiplied) alpha.</summary>
    RGBA,
}

public static class ImageModes
{
    public static int Channels(this ImageMode mode) => mode switch
    {
        ImageMode.L => 1,
        ImageMode.LA => 2,
        ImageMode.RGB => 3,
        ImageMode.RGBA => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown image mode"),
    };

    public static ImageMode FromChannels(long channels) => channels switch
    {
        1 => ImageMode.L,
        2 => ImageMode.LA,
        3 => ImageMode.RGB,
        4 => ImageMode.RGBA,
        _ => throw new ArgumentException($"an image has 1 (L), 2 (LA), 3 (RGB) or 4 (RGBA) channels, got {channels}"),
    };
}
