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
    /// <summary>Decodes <paramref name="path"/> into uint8 [C,H,W] on <paramref name="device"/> (CPU when null).</summary>
    public static (Tensor Image, ImageMode Mode) Read(string path, Device? device = null)
    {
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{path}: cannot read image ({e.Message})", e);
        }
        var decoded = (PngCodec.HasSignature(data) ? PngCodec.Decode(data, path) : null) ?? DecodeWithSkia(data, path);
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

    private static PngCodec.Decoded DecodeWithSkia(byte[] data, string path)
    {
        using var skData = SKData.CreateCopy(data);
        using var codec = SKCodec.Create(skData)
            ?? throw new InvalidDataException($"{path}: not a readable image (PNG, JPEG, WebP, BMP or GIF expected)");
        var info = codec.Info;
        var mode = info.ColorType is SKColorType.Gray8 ? ImageMode.L
            : info.AlphaType == SKAlphaType.Opaque ? ImageMode.RGB : ImageMode.RGBA;
        var target = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[target.BytesSize];
        unsafe
        {
            fixed (byte* p = rgba)
            {
                var result = codec.GetPixels(target, (IntPtr)p);
                if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
                    throw new InvalidDataException($"{path}: image decode failed ({result})");
            }
        }
        var channels = mode.Channels();
        var pixels = new byte[info.Width * info.Height * channels];
        for (int i = 0, o = 0; i < rgba.Length; i += 4, o += channels)
            for (var c = 0; c < channels; c++) pixels[o + c] = rgba[i + c];
        return new PngCodec.Decoded(info.Width, info.Height, mode, pixels);
    }
}
