using SkiaSharp;
using TorchSharp;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Imaging;

public class ImageFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("imagefile-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void WriteThenReadGivesTheSamePixelsAndMode(int channels)
    {
        using var scope = torch.NewDisposeScope();
        var image = RandomImage(channels, 29, 37, seed: channels);
        var path = Path.Combine(_folder, $"c{channels}.png");
        ImageFile.Write(path, image);
        var (read, mode) = ImageFile.Read(path);
        Assert.Equal(ImageModes.FromChannels(channels), mode);
        ImageAssert.Equal(image, mode, read, $"round trip of a {mode} image");
    }

    /// <summary>
    /// An independent decoder (Skia, asked for un-premultiplied RGBA) reads our RGBA PNG with partial alpha
    /// to the same bytes: colours under alpha 1..254 are stored straight, not premultiplied.
    /// </summary>
    [Fact]
    public void RgbaWithPartialAlphaIsStoredStraight()
    {
        using var scope = torch.NewDisposeScope();
        var image = RandomImage(4, 16, 20, seed: 7);
        image[3].copy_(torch.arange(0, 320, ScalarType.Int64).remainder(256).reshape(16, 20).to(ScalarType.Byte));
        var path = Path.Combine(_folder, "partial.png");
        ImageFile.Write(path, image);

        using var codec = SKCodec.Create(path);
        var info = new SKImageInfo(20, 16, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        Assert.Equal(SKCodecResult.Success, codec.GetPixels(info, bitmap.GetPixels()));
        var skiaBytes = bitmap.Bytes;
        var ours = ImageFile.ToInterleaved(image, "image").Pixels;
        var differing = ours.Zip(skiaBytes).Count(p => p.First != p.Second);
        Assert.True(differing == 0, $"Skia decodes {differing} of {ours.Length} bytes differently");
    }

    /// <summary>Non-PNG inputs (here a JPEG) go through Skia and come back as RGB of the right size.</summary>
    [Fact]
    public void ReadsJpegAsRgb()
    {
        var path = Path.Combine(_folder, "grey.jpg");
        using (var bitmap = new SKBitmap(new SKImageInfo(10, 6, SKColorType.Rgba8888, SKAlphaType.Premul)))
        {
            bitmap.Erase(new SKColor(128, 128, 128));
            using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
            File.WriteAllBytes(path, data.ToArray());
        }
        var (image, mode) = ImageFile.Read(path);
        using (image)
        {
            Assert.Equal(ImageMode.RGB, mode);
            Assert.Equal([3L, 6, 10], image.shape);
            Assert.InRange(image.to(ScalarType.Int32).sub(128).abs().max().item<int>(), 0, 2);
        }
    }

    [Fact]
    public void ReadNamesTheFileWhenItIsNotAnImage()
    {
        var path = Path.Combine(_folder, "notes.png");
        File.WriteAllText(path, "not an image");
        var error = Assert.ThrowsAny<Exception>(() => ImageFile.Read(path));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void ReadNamesTheFileWhenItIsMissing()
    {
        var path = Path.Combine(_folder, "missing.png");
        var error = Assert.ThrowsAny<IOException>(() => ImageFile.Read(path));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void WriteRejectsNonByteTensors()
    {
        using var image = torch.zeros(3, 4, 4, ScalarType.Float32);
        var error = Assert.Throws<ArgumentException>(() => ImageFile.Write(Path.Combine(_folder, "f.png"), image));
        Assert.Contains("uint8", error.Message);
    }

    internal static Tensor RandomImage(int channels, int height, int width, int seed)
    {
        using var generator = new torch.Generator((ulong)seed);
        return torch.randint(0, 256, [channels, height, width], generator: generator, dtype: ScalarType.Byte);
    }
}
