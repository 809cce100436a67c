using VideoLoopback.Video.Ffmpeg;
using VideoLoopback.Video.Generation;
using VideoLoopback.Video.Imaging;
using VideoLoopback.Video.Loopback;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Ffmpeg;

/// <summary>
/// The video_* job keys: the defaults keep the original's command line and settings JSON, contradictions and what the installed
/// ffmpeg lacks fail validation with the key's name, and the lossless mode writes the frames back exactly, alpha included.
/// </summary>
[Trait("Area", "loopback")]
public sealed class VideoEncodingTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-encoding-");

    [Fact]
    public void DefaultsGiveTheOriginalsCommandLine()
    {
        var args = VideoEncoder.Arguments("out.mp4", 64, 48, 3, 30, null, 9, VideoEncoding.Default);
        Assert.Equal(["-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "64x48", "-r", "30", "-i", "-",
            "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p", "out.mp4"], args);
        Assert.Equal(".mp4", VideoEncoding.Default.Extension);
        Assert.Equal(VideoEncoding.Default, new JobSpec().VideoEncoding);
    }

    [Fact]
    public void DefaultsWriteNoKeyAndChangedOnesAreWritten()
    {
        var plain = JobFile.Settings(new JobSpec { InputDir = "in", OutputDir = "out" }, "t", "m", "h");
        foreach (var key in new[] { "video_codec", "video_crf", "video_qp", "video_pix_fmt", "video_lossless" }) Assert.DoesNotContain(key, plain);
        var changed = JobFile.Settings(new JobSpec { InputDir = "in", OutputDir = "out", VideoCodec = "libx265", VideoCrf = 20 }, "t", "m", "h");
        Assert.Contains("\"video_codec\": \"libx265\"", changed);
        Assert.Contains("\"video_crf\": 20", changed);
        Assert.DoesNotContain("video_qp", changed);
    }

    [Fact]
    public void OptionsAreTheKeysInKebabCase()
    {
        var job = JobParameters.ApplyOptions(new JobSpec(), new[] { ("--video-codec", "libvpx-vp9"), ("--video-crf", "30"),
            ("--video-pix-fmt", "yuv420p"), ("--video-lossless", "false") }.GroupBy(o => o.Item1, o => (string?)o.Item2), resuming: false);
        Assert.Equal(new VideoEncoding { Codec = "libvpx-vp9", Crf = 30, PixelFormat = "yuv420p" }, job.VideoEncoding);
        Assert.Equal(["-c:v", "libvpx-vp9", "-crf", "30", "-b:v", "0", "-pix_fmt", "yuv420p"], job.VideoEncoding.Arguments(3));
        Assert.Equal(".webm", job.VideoEncoding.Extension);
        Assert.Equal("libopus", job.VideoEncoding.AudioCodec);
    }

    [Theory]
    [InlineData("libx264", 18, 0, null, false, "video_crf (18) and video_qp (0) are both set")]
    [InlineData("libx265", null, null, null, true, "video_lossless writes ffv1")]
    [InlineData("libx264", 18, null, null, true, "video_lossless writes ffv1")]
    [InlineData("no_such_codec", null, null, null, false, "video_codec 'no_such_codec' is not a video encoder of the installed ffmpeg")]
    [InlineData("aac", null, null, null, false, "video_codec 'aac' is not a video encoder")]
    [InlineData("ffv1", 10, null, null, false, "video_crf: encoder 'ffv1' has no -crf option")]
    [InlineData("libx264", null, null, "rgb565le", false, "video_pix_fmt 'rgb565le' is not supported by encoder 'libx264'")]
    public void BadEncodingFailsValidationNamingTheKey(string codec, int? crf, int? qp, string? pixFmt, bool lossless, string expected)
    {
        var job = new JobSpec
        {
            InputDir = GoldenData.Path("loopback", "inputs", "seq_rgb"), OutputDir = _temp.FullName, Width = 32, Height = 24,
            VideoCodec = codec, VideoCrf = crf, VideoQp = qp, VideoPixFmt = pixFmt, VideoLossless = lossless,
        };
        var e = Assert.Throws<JobException>(() => JobValidator.Validate(job, ScheduleCompilers.Default));
        Assert.StartsWith(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void NegativeCrfIsOutOfRange()
    {
        var job = new JobSpec { InputDir = GoldenData.Path("loopback", "inputs", "seq_rgb"), OutputDir = _temp.FullName, VideoCrf = -1 };
        var e = Assert.Throws<JobException>(() => JobValidator.Validate(job, ScheduleCompilers.Default));
        Assert.StartsWith("video_crf is -1", e.Message);
    }

    [Fact]
    public void LosslessKeepsEveryPixelAndTheAlpha()
    {
        var job = new JobSpec
        {
            InputDir = GoldenData.Path("loopback", "inputs", "seq_rgba"), OutputDir = _temp.FullName, Width = 32, Height = 24,
            LoopN = 1, SaveEveryLoop = false, MaxFrames = 3, Seed = 1, Subseed = 2, VideoLossless = true,
            UseMask = true, // the mask comes from the alpha channel and is stored as the frames' alpha
        };
        Assert.Empty(JobValidator.Validate(job, ScheduleCompilers.Default));
        using var generator = new FakeGenerator();
        var result = new LoopbackEngine(job, generator, ScheduleCompilers.Default, CPU).Run(new RenderOptions { Timestamp = "260101_000000" });
        var video = Assert.Single(result.Videos);
        Assert.EndsWith(".mkv", video);
        var frames = Directory.GetFiles(Path.Combine(result.RunDirectory, "output_frames", "loop_1"), "*.png").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(3, frames.Count);
        using var first = ImageFile.Read(frames[0]).Image;
        int channels = (int)first.shape[0];
        Assert.Equal(4, channels);
        Assert.Equal(channels == 4 ? "bgra" : "bgr0", FfmpegTool.Run("ffprobe", "-v", "error", "-select_streams", "v:0",
            "-show_entries", "stream=pix_fmt", "-of", "csv=p=0", video).Trim());

        var decoded = DecodeRaw(video, channels == 4 ? "rgba" : "rgb24");
        int frameBytes = 32 * 24 * channels;
        Assert.Equal(frames.Count * frameBytes, decoded.Length);
        for (int i = 0; i < frames.Count; i++)
        {
            var (_, _, _, pixels) = ImageFile.ToInterleaved(ImageFile.Read(frames[i]).Image, frames[i]);
            Assert.True(pixels.AsSpan().SequenceEqual(decoded.AsSpan(i * frameBytes, frameBytes)), $"frame {i} differs from {frames[i]}");
        }
    }

    private static byte[] DecodeRaw(string path, string pixelFormat)
    {
        using var process = FfmpegTool.Start("ffmpeg", ["-v", "error", "-nostdin", "-i", path, "-f", "rawvideo", "-pix_fmt", pixelFormat, "-"],
            redirectOutput: true);
        var stderr = process.StandardError.ReadToEndAsync();
        using var memory = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(memory);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, stderr.Result);
        return memory.ToArray();
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
