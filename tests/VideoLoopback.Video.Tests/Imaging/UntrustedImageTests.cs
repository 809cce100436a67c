using System.Runtime.InteropServices;
using SkiaSharp;
using VideoLoopback.Video.Imaging;
using static VideoLoopback.Video.Tests.Imaging.CraftedImages;

namespace VideoLoopback.Video.Tests.Imaging;

/// <summary>
/// Images whose headers claim more than their data holds, or more than memory can: each is refused from its header with
/// one <see cref="ImageFileException"/> naming the file, before any large allocation (never a crash).
/// </summary>
public sealed class UntrustedImageTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("untrusted-image-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Save(string name, byte[] data)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, data);
        return path;
    }

    private static string Refused(string path, long maxPixels = ImageFile.DefaultMaxPixels) =>
        Assert.Throws<ImageFileException>(() => ImageFile.Read(path, maxPixels: maxPixels)).Message;

    [Fact]
    public void DefaultLimitIsPillowsDecompressionBombThreshold() => Assert.Equal(178_956_970, ImageFile.DefaultMaxPixels);

    /// <summary>This 54-byte file once crashed the process: SKImageInfo.BytesSize wrapped and Skia wrote 4 GB into a small buffer.</summary>
    [Fact]
    public void BmpDeclaringAGigapixelIsRefusedByThePixelLimit()
    {
        var path = Save("huge.bmp", Bmp(32768, 32769));
        Assert.Equal(54, new FileInfo(path).Length);
        Assert.Equal($"{path}: image of 32768x32769 = 1073774592 pixels is over the limit of 178956970 pixels (max_image_pixels)",
            Refused(path));
    }

    /// <summary>With the limit raised, buffer sizes are still computed in 64 bits: 4 x 2^31 bytes wraps to 0 as an int.</summary>
    [Theory]
    [InlineData(32768, 32769, 4295098368L)]
    [InlineData(32768, 32768, 4294967296L)]
    [InlineData(23171, 23171, 2147580964L)]
    public void BmpTooLargeForOneBufferIsRefusedWhateverTheLimit(int width, int height, long bytes)
    {
        var path = Save("wide.bmp", Bmp(width, height));
        Assert.Equal($"{path}: image of {width}x{height} pixels needs {bytes} bytes, more than one buffer can hold", Refused(path, long.MaxValue));
    }

    [Fact]
    public void PngWithAShortIhdrIsRefused()
    {
        var path = Save("short.png", Png(("IHDR", [0, 0, 0, 4, 0]), Iend));
        Assert.Equal($"{path}: PNG IHDR chunk has 5 bytes, expected 13", Refused(path));
    }

    [Fact]
    public void PngOf100000SquaredPixelsIsRefusedByThePixelLimit()
    {
        var path = Save("wide.png", Png(Ihdr(100000, 100000, 8, 2), Idat([0, 0, 0, 0]), Iend));
        Assert.Equal($"{path}: image of 100000x100000 = 10000000000 pixels is over the limit of 178956970 pixels (max_image_pixels)",
            Refused(path));
    }

    [Fact]
    public void PngWithAHugeChunkLengthIsRefused()
    {
        using var stream = new MemoryStream();
        stream.Write(RgbPng(4, 4).AsSpan(0, 33)); // signature and IHDR
        WriteChunk(stream, "IDAT", [1, 2, 3, 4], 0xFFFFFFF0);
        var path = Save("chunk.png", stream.ToArray());
        Assert.Equal($"{path}: PNG chunk 'IDAT' of 4294967280 bytes runs past the end of the file", Refused(path));
    }

    [Fact]
    public void OneBitPngOf50000SquaredPixelsIsRefused()
    {
        var path = Save("bits.png", Png(Ihdr(50000, 50000, 1, 0), Idat([0, 0]), Iend));
        Assert.Equal($"{path}: image of 50000x50000 = 2500000000 pixels is over the limit of 178956970 pixels (max_image_pixels)",
            Refused(path));
        // Its packed rows would fit in one buffer, its 8-bit pixels not: refused before either is allocated.
        Assert.Equal($"{path}: image of 50000x50000 pixels needs 2500000000 bytes, more than one buffer can hold", Refused(path, long.MaxValue));
    }

    [Fact]
    public void PngWithCorruptImageDataIsRefused()
    {
        var path = Save("corrupt.png", Png(Ihdr(4, 4, 8, 2), ("IDAT", [0x78, 0x9C, 0xFF, 0xFF, 0xFF]), Iend));
        Assert.StartsWith($"{path}: PNG image data is corrupt or truncated (", Refused(path));
    }

    /// <summary>The limit counts width x height and allows exactly max_image_pixels, as Pillow's check does.</summary>
    [Theory]
    [InlineData("rgb.png")]
    [InlineData("rgb.bmp")]
    [InlineData("rgb.jpg")]
    [InlineData("rgb.webp")]
    public void LimitAllowsExactlyMaxPixelsInEveryFormat(string name)
    {
        var data = Path.GetExtension(name) switch
        {
            ".png" => RgbPng(4, 3),
            ".bmp" => Bmp(4, 3, pixelBytes: 3 * 12),
            ".jpg" => Encoded(SKEncodedImageFormat.Jpeg, 4, 3),
            _ => Encoded(SKEncodedImageFormat.Webp, 4, 3),
        };
        var path = Save(name, data);
        using (var image = ImageFile.Read(path, maxPixels: 12).Image) Assert.Equal([3L, 3, 4], image.shape);
        Assert.Equal($"{path}: image of 4x3 = 12 pixels is over the limit of 11 pixels (max_image_pixels)", Refused(path, 11));
    }

    [Fact]
    public async Task FifoIsRefusedWithoutOpeningIt()
    {
        var path = Path.Combine(_folder, "pipe.png");
        Assert.Equal(0, MakeFifo(path, 0x1B6));
        var message = await Task.Run(() => Refused(path)).WaitAsync(TimeSpan.FromSeconds(20)); // a TimeoutException if it hangs
        Assert.Equal($"{path}: not a regular file (a pipe, socket or device)", message);
    }

    [Fact]
    public void MissingFileIsAnImageFileErrorNamingIt()
    {
        var path = Path.Combine(_folder, "missing.png");
        Assert.StartsWith($"{path}: cannot read image (", Refused(path));
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    internal static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
}
