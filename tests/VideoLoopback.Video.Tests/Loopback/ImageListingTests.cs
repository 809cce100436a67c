using System.Runtime.InteropServices;
using System.Text;
using VideoLoopback.Video.Imaging;
using VideoLoopback.Video.Loopback;
using VideoLoopback.Video.Tests.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>
/// Input, mask and reference folders as users share them: no file is silently dropped, nothing hangs, temporaries are
/// never frames, and images over max_image_pixels are refused naming the file.
/// </summary>
public sealed class ImageListingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vl-listing-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Save(string name, byte[] data)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, data);
        return path;
    }

    private string Listed() => string.Join(" ", ImageListing.ImagePaths(_folder).Select(Path.GetFileName));

    [Fact]
    public void TemporariesAndHiddenFilesAreNeverFrames()
    {
        foreach (var name in new[] { "0000000.png", "0000001.png.tmp", ".0000002.png", "0000003.PNG.TMP", "notes.txt" })
            Save(name, name == "notes.txt" ? Encoding.ASCII.GetBytes("a prompt") : CraftedImages.RgbPng(2, 2));
        Assert.Equal("0000000.png", Listed());
    }

    [Fact]
    public async Task FifoInTheFolderIsAnErrorNamingIt()
    {
        Save("0000000.png", CraftedImages.RgbPng(2, 2));
        var fifo = Path.Combine(_folder, "0000001.png");
        Assert.Equal(0, UntrustedImageTests.MakeFifo(fifo, 0x1B6));
        var listing = Task.Run(() => Assert.Throws<ImageFileException>(Listed).Message);
        var message = await listing.WaitAsync(TimeSpan.FromSeconds(20)); // a TimeoutException if it hangs
        Assert.Equal($"{fifo}: not a regular file (a pipe, socket or device)", message);
    }

    /// <summary>
    /// .NET reads file names as UTF-8 and replaces invalid bytes with U+FFFD, so such a file cannot be opened by the name
    /// it lists; once it was dropped without a word, now the listing stops naming the folder and the file.
    /// </summary>
    [Fact]
    public void NameThatIsNotUtf8IsAnErrorNamingIt()
    {
        var valid = Save("0000000.png", CraftedImages.RgbPng(2, 2));
        var invalid = Encoding.UTF8.GetBytes(Path.Combine(_folder, "frame_")).Concat(new byte[] { 0xFF, 0xFE }).Concat(".png\0"u8.ToArray()).ToArray();
        Assert.Equal(0, Rename(Encoding.UTF8.GetBytes(valid + "\0"), invalid));
        ImageFileException error;
        try { error = Assert.Throws<ImageFileException>(Listed); }
        finally { Unlink(invalid); } // .NET cannot delete it by name either
        Assert.Equal($"{Path.Combine(_folder, "frame_\uFFFD\uFFFD.png")}: the file name is not valid UTF-8, so it cannot be opened (rename the file)",
            error.Message);
    }

    [Fact]
    public void UnreadableFileIsAnErrorNamingIt()
    {
        Save("0000000.png", CraftedImages.RgbPng(2, 2));
        var link = Path.Combine(_folder, "0000001.png");
        File.CreateSymbolicLink(link, Path.Combine(_folder, "gone.png"));
        Assert.StartsWith($"{link}: cannot read (", Assert.Throws<ImageFileException>(Listed).Message);
    }

    [Fact]
    public void InputFolderImageOverMaxImagePixelsIsRefused()
    {
        var path = Save("0000000.png", CraftedImages.RgbPng(8, 8));
        var job = new JobSpec { InputDir = _folder, Width = 8, Height = 8, MaxImagePixels = 63 };
        var error = Assert.Throws<ImageFileException>(() => FrameSource.Load(job, CPU).ToList());
        Assert.Equal($"{path}: image of 8x8 = 64 pixels is over the limit of 63 pixels (max_image_pixels)", error.Message);
        foreach (var frame in FrameSource.Load(job with { MaxImagePixels = 64 }, CPU)) frame.Pixels.Dispose();
    }

    [Fact]
    public void MaskOverMaxImagePixelsIsRefused()
    {
        var mask = Save("mask.png", CraftedImages.RgbPng(8, 8));
        var job = new JobSpec { UseMask = true, MaskDir = mask, Width = 8, Height = 8, MaxImagePixels = 63 };
        var error = Assert.Throws<ImageFileException>(() => new MaskSource(job, CPU));
        Assert.Equal($"{mask}: image of 8x8 = 64 pixels is over the limit of 63 pixels (max_image_pixels)", error.Message);
    }

    [Theory]
    [InlineData("""{ "max_image_pixels": 1000 }""", 1000)]
    [InlineData("""{ }""", 178_956_970)]
    public void MaxImagePixelsIsAJobKey(string json, int expected)
    {
        var path = Save("job.json", Encoding.UTF8.GetBytes(json));
        var job = JobFile.Read(path);
        Assert.Equal(expected, job.MaxImagePixels);
        Assert.Equal(expected != ImageFile.DefaultMaxPixels, JobFile.Settings(job, "t", "m", "h").Contains("\"max_image_pixels\": 1000"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void MaxImagePixelsMustBePositive(int value)
    {
        var job = new JobSpec { InputDir = _folder, OutputDir = _folder, MaxImagePixels = value };
        var error = Assert.Throws<JobException>(() => JobValidator.Validate(job, ScheduleCompilers.Default));
        Assert.Equal($"max_image_pixels is {value}, expected at least 1", error.Message);
    }

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename(byte[] from, byte[] to);

    [DllImport("libc", EntryPoint = "unlink", SetLastError = true)]
    private static extern int Unlink(byte[] path);
}
