using VideoLoopback.Video.Ffmpeg;
using VideoLoopback.Video.Loopback;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Ffmpeg;

/// <summary>
/// Input videos as they are meant to be seen: rotation metadata gives upright frames at the displayed size, a corrupt or
/// truncated video is one error naming the file (never a silently shorter input), and paths reach ffmpeg literally.
/// </summary>
[Trait("Area", "loopback")]
public sealed class VideoInputTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-video-input-");

    private string Make(string name, params string[] args)
    {
        var path = Path.Combine(_temp.FullName, name);
        FfmpegTool.Run("ffmpeg", ["-v", "error", "-y", .. args, path]);
        return path;
    }

    /// <summary>A lossless (RGB H.264) non-square test pattern, so rotated frames can be compared exactly.</summary>
    private string Source(string name = "source.mp4", int frames = 5, params string[] extra) =>
        Make(name, ["-f", "lavfi", "-i", "testsrc=size=48x32:rate=10", "-frames:v", frames.ToString(), "-c:v", "libx264rgb", "-qp", "0", .. extra]);

    private static List<Tensor> Decode(string path, int stopAfter = 1000) => VideoDecoder.Frames(path, _ => true, stopAfter, CPU).ToList();

    private static string Truncated(string path, string name)
    {
        var bytes = File.ReadAllBytes(path);
        var cut = Path.Combine(Path.GetDirectoryName(path)!, name);
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        return cut;
    }

    private JobSpec Job(string input) => new()
    {
        InputDir = input, OutputDir = Path.Combine(_temp.FullName, "out"), Width = 32, Height = 32, MaxFrames = 1000,
    };

    [Theory]
    [InlineData(90, 1)]  // ffmpeg 5.1 stores rotate=90 as a quarter turn counterclockwise (ffprobe: rotation 90)
    [InlineData(180, 2)]
    [InlineData(270, -1)]
    public void RotatedVideoDecodesUprightAtTheDisplayedSize(int rotate, int counterClockwiseQuarters)
    {
        var source = Source();
        var rotated = Make($"rotated{rotate}.mp4", "-i", source, "-c", "copy", "-metadata:s:v:0", $"rotate={rotate}");
        var info = VideoInfo.Probe(rotated);
        Assert.Equal(rotate, info.Rotation);
        Assert.Equal(rotate == 180 ? (48, 32) : (32, 48), (info.Width, info.Height));

        var upright = Decode(source);
        var decoded = Decode(rotated);
        Assert.Equal(5, decoded.Count);
        for (int i = 0; i < 5; i++)
        {
            using var expected = upright[i].rot90(counterClockwiseQuarters, (1, 2));
            Assert.Equal(expected.shape, decoded[i].shape);
            Assert.True(expected.eq(decoded[i]).all().item<bool>(), $"frame {i} of the rotate={rotate} video is not the source frame turned");
        }
        foreach (var t in upright.Concat(decoded)) t.Dispose();
    }

    [Fact]
    public void TruncatedMp4IsOneErrorNamingTheFileAndFfmpegsComplaint()
    {
        var full = Make("full.mp4", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=10", "-frames:v", "30",
            "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p", "-movflags", "+faststart");
        var cut = Truncated(full, "cut.mp4");
        Assert.Equal(30, VideoInfo.Probe(cut).DeclaredFrames);

        var e = Assert.Throws<JobException>(() => FrameSource.Load(Job(cut), CPU).ToList());
        Assert.Matches($@"^input_dir: '{Regex(cut)}' is corrupt or truncated: decoded \d+ of 30 frames: .*partial file$", e.Message);
        // Frames before the damage are still readable when the job takes no more of them.
        var firstFive = FrameSource.Load(Job(cut) with { MaxFrames = 5 }, CPU).ToList();
        Assert.Equal(5, firstFive.Count);
        foreach (var f in firstFive) f.Pixels.Dispose();
    }

    [Fact]
    public void TruncatedMatroskaWithoutDeclaredCountIsAnError()
    {
        var full = Make("full.mkv", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=10", "-frames:v", "30", "-c:v", "ffv1");
        var cut = Truncated(full, "cut.mkv");
        Assert.Null(VideoInfo.Probe(cut).DeclaredFrames);
        var e = Assert.Throws<InvalidDataException>(() => Decode(cut));
        Assert.Matches($@"^'{Regex(cut)}' is corrupt or truncated: decoded \d+ frames: .*File ended prematurely$", e.Message);
    }

    [Fact]
    public void UnreadableVideoNamesTheFile()
    {
        var garbage = Path.Combine(_temp.FullName, "garbage.mp4");
        File.WriteAllBytes(garbage, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7))]);
        var e = Assert.Throws<JobException>(() => FrameSource.Load(Job(garbage), CPU).ToList());
        Assert.Matches($@"^input_dir: '{Regex(garbage)}' is not a readable video: .*Invalid data found when processing input$", e.Message);
    }

    [Fact]
    public void CompleteVideoDecodesWithoutComplaint()
    {
        var frames = Decode(Source(frames: 7));
        Assert.Equal(7, frames.Count);
        foreach (var t in frames) t.Dispose();
    }

    [Fact]
    public void RelativeInputNamedLikeAnOptionIsReadAsAFile()
    {
        // Relative to the working directory, as a user types it; the unique tail keeps parallel runs apart.
        var name = $"-clip-{Guid.NewGuid():N}.mp4";
        File.Copy(Source(), name);
        try
        {
            Assert.Equal((48, 32), (VideoInfo.Probe(name).Width, VideoInfo.Probe(name).Height));
            var frames = Decode(name);
            Assert.Equal(5, frames.Count);
            foreach (var t in frames) t.Dispose();
        }
        finally { File.Delete(name); }
    }

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);

    public void Dispose() => _temp.Delete(recursive: true);
}
