using VideoLoopback.Video.Ffmpeg;
using VideoLoopback.Video.Generation;
using VideoLoopback.Video.Loopback;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Ffmpeg;

/// <summary>
/// The written videos carry the audio the rendered frames show: a 4 s, 10 fps source with a tone burst at 2.0 s (source
/// frame 20), rendered with extract_nth_frame 2 and max_frames 15 (source frames 0-29, 3 s), at several output rates. The
/// audio lasts as long as the video (within one frame) and the burst lands on rendered frame 10 (source frame 20).
/// </summary>
[Trait("Area", "loopback")]
public sealed class AudioSyncTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-audio-");

    private JobSpec Job(string input, double outputFrameRate) => new()
    {
        InputDir = input, OutputDir = Path.Combine(_temp.FullName, $"out-{outputFrameRate}"),
        Width = 32, Height = 24, LoopN = 1, SaveEveryLoop = false, ExtractNthFrame = 2, MaxFrames = 15,
        OutputFrameRate = outputFrameRate, Seed = 1, Subseed = 2,
    };

    private static string Render(JobSpec job)
    {
        Assert.Empty(JobValidator.Validate(job, ScheduleCompilers.Default));
        using var generator = new FakeGenerator();
        var result = new LoopbackEngine(job, generator, ScheduleCompilers.Default, CPU).Run(new RenderOptions { Timestamp = "260101_000000" });
        return Assert.Single(result.Videos);
    }

    [Theory]
    [InlineData(5)]   // the source's pace (10 fps / 2): no tempo change
    [InlineData(10)]  // twice as fast: atempo=2
    [InlineData(30)]  // six times: atempo=2,atempo=2,atempo=1.5
    [InlineData(2)]   // slower: atempo=0.5,atempo=0.8
    public void AudioCoversTheRenderedFramesAndEndsWithTheVideo(double fps)
    {
        var input = FfmpegTestMedia.Video(_temp.FullName, 32, 24, 10, 4, markerSeconds: 2.0);
        var video = Render(Job(input, fps));

        Assert.Equal(15, FfmpegTestMedia.FrameCount(video));
        double videoSeconds = 15 / fps, frame = 1 / fps;
        double audioSeconds = FfmpegTestMedia.Duration(video, "a:0");
        Assert.True(Math.Abs(audioSeconds - videoSeconds) <= frame,
            $"{fps} fps: audio lasts {audioSeconds:F3} s, the video {videoSeconds:F3} s (more than one frame apart)");
        // Rendered frame 10 starts at 10/fps. atempo's overlap-add windows smear a click by a few tens of milliseconds, so at
        // high rates the allowance is 40 ms (below the 45 ms a viewer notices) rather than half a frame.
        double marker = FfmpegTestMedia.FirstLoudSecond(video);
        Assert.True(Math.Abs(marker - 10 / fps) < Math.Max(0.5 / fps, 0.04),
            $"{fps} fps: the burst of source frame 20 sounds at {marker:F3} s = frame {marker * fps:F2}, expected rendered frame 10");
    }

    [Fact]
    public void InputWithoutAudioGivesAVideoWithoutAudio()
    {
        var input = FfmpegTestMedia.Video(_temp.FullName, 32, 24, 10, 2, markerSeconds: null);
        var video = Render(Job(input, 10));
        Assert.Equal(10, FfmpegTestMedia.FrameCount(video));
        Assert.False(FfmpegTestMedia.HasAudio(video), "a video without audio got an audio track");
    }

    [Theory]
    [InlineData(1.0, new double[] { 1.0 })]
    [InlineData(2.0, new double[] { 2.0 })]
    [InlineData(6.0, new double[] { 2.0, 2.0, 1.5 })]
    [InlineData(0.4, new double[] { 0.5, 0.8 })]
    [InlineData(0.1, new double[] { 0.5, 0.5, 0.5, 0.8 })]
    public void AtempoFactorsStayWithinHalfToDouble(double tempo, double[] expected)
    {
        var factors = AudioSpan.AtempoFactors(tempo);
        Assert.Equal(expected.Length, factors.Count);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], factors[i], 12);
    }

    [Fact]
    public void SpanIsTheExtractedFramesSourceTime()
    {
        // 15 frames, every 2nd of a 10 fps source, shown at 10 fps: 3 s of source audio played twice as fast.
        var span = AudioSpan.For("in.mkv", 10, 15, 2, 10);
        Assert.Equal(3.0, span.SourceSeconds, 12);
        Assert.Equal(2.0, span.Tempo, 12);
        Assert.Equal(["-t", "3", "-i", "in.mkv"], span.InputArguments);
        Assert.Equal("atempo=2", span.Filter);
        Assert.Null(AudioSpan.For("in.mkv", 10, 15, 2, 5).Filter);
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
