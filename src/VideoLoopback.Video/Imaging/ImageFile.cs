using System.IO.Compression;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Imaging;

/// <summary>
/// Reads and writes images as uint8 tensors [C,H,W] with the PIL mode Pillow would report.
/// PNGs go through an exact decoder (no colour management or premultiplication), so the pixels
/// equal what Pillow hands back; other formats (JPEG, WebP, BMP, interlaced PNG) are decoded by
/// Skia, un-premultiplied.
/// </summary>
public static class ImageFile
{
    /// <summary>Pillow's decompression-bomb threshold, the default pixel limit (see <see cref="ImageLimits"/>).</summary>
    public const int DefaultMaxPixels = ImageLimits.DefaultMaxPixels;

    /// <summary>Decodes <paramref name="path"/> into uint8 [C,H,W] on <paramref name="device"/> (CPU when null).</summary>
    /// <param name="maxPixels">Images with more pixels are refused from their header, before anything is allocated.</param>
    /// <exception cref="ImageFileException">Not a regular file, unreadable, or not a readable image within the limit.</exception>
    public static (Tensor Image, ImageMode Mode) Read(string path, Device? device = null, long maxPixels = DefaultMaxPixels)
    {
        if (SpecialFile.Is(path)) throw new ImageFileException(path, "not a regular file (a pipe, socket or device)");
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageFileException(path, $"cannot read image ({e.Message})", e);
        }
        return Decode(data, path, device, maxPixels);
    }

    /// <summary>Decodes the bytes of an image file; <paramref name="path"/> names it in errors.</summary>
    /// <exception cref="ImageFileException">Not a readable image within <paramref name="maxPixels"/>.</exception>
    public static (Tensor Image, ImageMode Mode) Decode(byte[] data, string path, Device? device = null, long maxPixels = DefaultMaxPixels)
    {
        var decoded = (PngCodec.HasSignature(data) ? PngCodec.Decode(data, path, maxPixels) : null) ?? DecodeWithSkia(data, path, maxPixels);
        var channels = decoded.Mode.Channels();
        using var hwc = torch.tensor(decoded.Pixels, [decoded.Height, decoded.Width, channels], ScalarType.Byte);
        var chw = hwc.permute(2, 0, 1).contiguous();
        if (device is null || device.type == DeviceType.CPU) return (chw, decoded.Mode);
        using (chw) return (chw.to(device), decoded.Mode);
    }

    /// <summary>Writes uint8 [C,H,W] (or [1,C,H,W]) as PNG; the mode follows from C (1 L, 2 LA, 3 RGB, 4 RGBA).</summary>
    public static void Write(string path, Tensor image, CompressionLevel level = CompressionLevel.Fastest,
        IReadOnlyList<KeyValuePair<string, string>>? text = null)
    {
        var (width, height, mode, pixels) = ToInterleaved(image, path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        using var file = File.Create(path);
        PngCodec.Encode(file, width, height, mode, pixels, level, text);
    }

    /// <summary>The PNG bytes of uint8 [C,H,W] (or [1,C,H,W]).</summary>
    public static byte[] EncodePng(Tensor image, CompressionLevel level = CompressionLevel.Fastest)
    {
        var (width, height, mode, pixels) = ToInterleaved(image, "image");
        using var stream = new MemoryStream();
        PngCodec.Encode(stream, width, height, mode, pixels, level);
        return stream.ToArray();
    }

    /// <summary>Row-major, channel-interleaved bytes (PIL's <c>tobytes()</c> layout) of uint8 [C,H,W] or [1,C,H,W].</summary>
    public static (int Width, int Height, ImageMode Mode, byte[] Pixels) ToInterleaved(Tensor image, string what)
    {
        using var scope = torch.NewDisposeScope();
        var batch = FrameTensor.AsBatch(image, what);
        if (batch.shape[0] != 1)
            throw new ArgumentException($"{what}: expected one image, got a batch of {batch.shape[0]}", what);
        var mode = FrameTensor.Mode(batch);
        var hwc = batch[0].permute(1, 2, 0).contiguous().cpu();
        return ((int)batch.shape[3], (int)batch.shape[2], mode, hwc.data<byte>().ToArray());
    }

    /// <summary>Skia decodes into a buffer sized from the header in 64-bit arithmetic (SKImageInfo.BytesSize is an int and wraps).</summary>
    private static PngCodec.Decoded DecodeWithSkia(byte[] data, string path, long maxPixels)
    {
        using var skData = SKData.CreateCopy(data);
        using var codec = SKCodec.Create(skData)
            ?? throw new ImageFileException(path, "not a readable image (PNG, JPEG, WebP, BMP or GIF expected)");
        var info = codec.Info;
        ImageLimits.CheckPixels(path, info.Width, info.Height, maxPixels);
        var rgba = new byte[ImageLimits.BufferLength(path, 4L * info.Width * info.Height, info.Width, info.Height)];
        var mode = info.ColorType is SKColorType.Gray8 ? ImageMode.L
            : info.AlphaType == SKAlphaType.Opaque ? ImageMode.RGB : ImageMode.RGBA;
        var channels = mode.Channels();
        var pixels = new byte[ImageLimits.BufferLength(path, (long)channels * info.Width * info.Height, info.Width, info.Height)];
        var target = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        unsafe
        {
            fixed (byte* p = rgba)
            {
                var result = codec.GetPixels(target, (IntPtr)p, 4 * info.Width, SKCodecOptions.Default);
                if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
                    throw new ImageFileException(path, $"image decode failed ({result})");
            }
        }
        for (int i = 0, o = 0; i < rgba.Length; i += 4, o += channels)
            for (var c = 0; c < channels; c++) pixels[o + c] = rgba[i + c];
        return new PngCodec.Decoded(info.Width, info.Height, mode, pixels);
    }
}
