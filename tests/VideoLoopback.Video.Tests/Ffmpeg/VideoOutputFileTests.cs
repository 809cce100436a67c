using VideoLoopback.Video.Ffmpeg;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Ffmpeg;

/// <summary>
/// A written video exists only when it is complete: ffmpeg writes to an unpredictable temporary name beside it, renamed
/// after success and removed on failure or cancellation; <see cref="VideoInfo.IsComplete"/> tells a finished video from a
/// broken one; output folders and audio sources with odd names reach ffmpeg literally.
/// </summary>
[Trait("Area", "loopback")]
public sealed class VideoOutputFileTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-video-output-");

    private static Tensor Frame(int i) => full([3, 32, 48], (byte)(40 * i), dtype: ScalarType.Byte);

    private static void WriteFrames(VideoEncoder encoder, int count)
    {
        for (int i = 0; i < count; i++)
        {
            using var frame = Frame(i);
            encoder.Write(frame);
        }
    }

    private static string Encode(string output, int frames, AudioSpan? audio = null)
    {
        using var encoder = new VideoEncoder(output, 48, 32, 3, 10, audio, frames);
        WriteFrames(encoder, frames);
        encoder.Finish();
        return output;
    }

    private string[] Entries() => [.. Directory.EnumerateFileSystemEntries(_temp.FullName).Select(Path.GetFileName).Order()!];

    [Fact]
    public void FinishedVideoIsTheOnlyFileAndComplete()
    {
        var output = Path.Combine(_temp.FullName, "run.mp4");
        using (var encoder = new VideoEncoder(output, 48, 32, 3, 10, null, 4))
        {
            WriteFrames(encoder, 4);
            Assert.False(File.Exists(output), "the video exists before ffmpeg finished");
            var partial = Assert.Single(Entries());
            Assert.Matches("^run\\.partial-[0-9a-f]{16}\\.mp4$", partial);
            encoder.Finish();
        }
        Assert.Equal(["run.mp4"], Entries());
        Assert.True(VideoInfo.IsComplete(output, 4));
        Assert.False(VideoInfo.IsComplete(output, 5));
        Assert.Equal(4, FfmpegTestMedia.FrameCount(output));
    }

    [Fact]
    public void CancelledEncodingLeavesNothing()
    {
        var output = Path.Combine(_temp.FullName, "run.mp4");
        using (var encoder = new VideoEncoder(output, 48, 32, 3, 10, null, 4)) WriteFrames(encoder, 2);
        Assert.Empty(Entries());
    }

    [Fact]
    public void FailedEncodingLeavesNothingAndKeepsTheEarlierVideo()
    {
        var output = Encode(Path.Combine(_temp.FullName, "run.mp4"), 3);
        var before = File.ReadAllBytes(output);
        var bad = VideoEncoding.Default with { PixelFormat = "no_such_format" };
        var e = Assert.ThrowsAny<Exception>(() =>
        {
            using var encoder = new VideoEncoder(output, 48, 32, 3, 10, null, 3, bad);
            WriteFrames(encoder, 3);
            encoder.Finish();
        });
        Assert.True(e is IOException or InvalidOperationException, e.ToString());
        Assert.Equal(["run.mp4"], Entries());
        Assert.Equal(before, File.ReadAllBytes(output));
    }

    [Fact]
    public void SymlinkAtTheOutputIsReplacedNotFollowed()
    {
        var victim = Path.Combine(_temp.FullName, "victim.txt");
        File.WriteAllText(victim, "keep me");
        var output = Path.Combine(_temp.FullName, "run.mp4");
        File.CreateSymbolicLink(output, victim);
        Encode(output, 2);
        Assert.Equal("keep me", File.ReadAllText(victim));
        Assert.Null(new FileInfo(output).LinkTarget);
        Assert.True(VideoInfo.IsComplete(output, 2));
    }

    [Fact]
    public void TruncatedOrMissingVideoIsNotComplete()
    {
        var output = Encode(Path.Combine(_temp.FullName, "run.mp4"), 6);
        var bytes = File.ReadAllBytes(output);
        var cut = Path.Combine(_temp.FullName, "cut.mp4");
        File.WriteAllBytes(cut, bytes[..(bytes.Length * 2 / 3)]);
        Assert.False(VideoInfo.IsComplete(cut, 6));
        Assert.False(VideoInfo.IsComplete(Path.Combine(_temp.FullName, "missing.mp4"), 6));
        Assert.True(VideoInfo.IsComplete(output, 6));
    }

    [Fact]
    public void RelativeOutputFolderWithAColonAndAudioSourceNamedLikeAnOption()
    {
        // Relative to the working directory, as a user types them; the unique tails keep parallel runs apart.
        var folder = $"vl:out-{Guid.NewGuid():N}";
        var source = $"-clip-{Guid.NewGuid():N}.mkv";
        Directory.CreateDirectory(folder);
        try
        {
            File.Copy(FfmpegTestMedia.Video(_temp.FullName, 48, 32, 10, 1, markerSeconds: 0.2), source);
            var output = Encode(Path.Combine(folder, "run.mp4"), 5, AudioSpan.For(source, 10, 5, 1, 10));
            Assert.True(VideoInfo.IsComplete(output, 5));
            Assert.True(FfmpegTestMedia.HasAudio(Path.GetFullPath(output)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
            File.Delete(source);
        }
    }

    [Fact]
    public void TruncatedAudioSourceIsOneErrorNamingIt()
    {
        var marked = FfmpegTestMedia.Video(_temp.FullName, 48, 32, 10, 2, markerSeconds: 0.2);
        var bytes = File.ReadAllBytes(marked);
        var cut = Path.Combine(_temp.FullName, "cut.mkv");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        var output = Path.Combine(_temp.FullName, "run.mp4");
        // 20 frames at 10 fps need the whole 2 s of audio, of which only about the first half is left.
        var e = Assert.Throws<InvalidDataException>(() => Encode(output, 20, new AudioSpan(cut, double.PositiveInfinity, 1)));
        Assert.Matches($@"^'{System.Text.RegularExpressions.Regex.Escape(cut)}': its audio could not be read whole for '"
            + $@"{System.Text.RegularExpressions.Regex.Escape(output)}': .*File ended prematurely$", e.Message);
        Assert.Equal(["cut.mkv", "marked.mkv"], Entries());
    }

    [Fact]
    public void MissingAudioSourceFailsNamingIt()
    {
        var output = Path.Combine(_temp.FullName, "run.mp4");
        var missing = Path.Combine(_temp.FullName, "gone.mkv");
        var e = Assert.Throws<InvalidOperationException>(() => Encode(output, 2, new AudioSpan(missing, 1, 1)));
        Assert.StartsWith($"encoding '{output}' (audio from '{missing}') failed: ", e.Message);
        Assert.EndsWith("No such file or directory", e.Message);
        Assert.Empty(Entries());
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
