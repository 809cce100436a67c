using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.FastDvdNet;
using VideoLoopback.Video.Generation;
using VideoLoopback.Video.Imaging;
using VideoLoopback.Video.Loopback;
using VideoLoopback.Video.Tests.FastDvdNet;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>
/// video_post_process_method FastDVDNet inside a render (fake generator, test weights, 5 frames of 32x24, 2 loops):
/// it changes the frames, is reproducible, resumes to the same frames, and a job without weights fails at validation.
/// </summary>
[Trait("Area", "fastdvdnet")]
[Collection(LibTorchSwitchCollection.Name)]
public sealed class FastDvdNetRenderTests : IDisposable
{
    private const string Timestamp = "260101_000000";
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-fastdvdnet-render-");

    private JobSpec Job(string output, VideoPostProcessMethod method = VideoPostProcessMethod.FastDvdNet) => new()
    {
        InputDir = GoldenData.Path("loopback", "inputs", "seq_rgb"),
        OutputDir = Path.Combine(_temp.FullName, output),
        Width = 32, Height = 24, MaxFrames = 5, LoopN = 2, Seed = 1234, Subseed = 5678,
        TemporalSuperimposeAlphaList = "0.1,0.8,0.1",
        VideoPostProcessMethod = method, VideoPostProcessAlpha = 0.5, FastdvdnetNoiseSigma = 30,
        FastdvdnetWeights = FastDvdNetGoldenCase.WeightsPath,
    };

    private static string Render(JobSpec job, bool resume = false, long stopAfterFrames = long.MaxValue)
    {
        Assert.Empty(JobValidator.Validate(job, ScheduleCompilers.Default));
        using var stop = new CancellationTokenSource();
        var options = new RenderOptions
        {
            Timestamp = Timestamp, EncodeVideos = false, Resume = resume,
            Progress = new StopAfter(stopAfterFrames, stop),
        };
        using var generator = new FakeGenerator();
        var result = new LoopbackEngine(job, generator, ScheduleCompilers.Default, CPU).Run(options, stop.Token);
        Assert.Equal(stopAfterFrames != long.MaxValue, result.Interrupted);
        return Path.Combine(result.RunDirectory, "output_frames");
    }

    /// <summary>Cancels the render once it has finished <c>frames</c> frames (reported synchronously).</summary>
    private sealed class StopAfter(long frames, CancellationTokenSource stop) : IProgress<RenderProgress>
    {
        public void Report(RenderProgress value)
        {
            if (value.FramesDone >= frames) stop.Cancel();
        }
    }

    private static List<string> FrameFiles(string framesDir) =>
        Directory.GetFiles(framesDir, "*.png", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(framesDir, f)).Order(StringComparer.Ordinal).ToList();

    /// <summary>Largest absolute pixel difference per frame file, both folders holding the same files.</summary>
    private static Dictionary<string, int> Differences(string a, string b)
    {
        var files = FrameFiles(a);
        Assert.Equal(files, FrameFiles(b));
        Assert.Equal(10, files.Count);  // 2 loops x 5 frames
        var result = new Dictionary<string, int>();
        foreach (var file in files)
        {
            using var x = ImageFile.Read(Path.Combine(a, file)).Image;
            using var y = ImageFile.Read(Path.Combine(b, file)).Image;
            Assert.True(x.shape.SequenceEqual(y.shape), $"{file}: shapes [{string.Join(",", x.shape)}] and [{string.Join(",", y.shape)}]");
            using var diff = (x.to(ScalarType.Int32) - y.to(ScalarType.Int32)).abs();
            result[file] = diff.max().item<int>();
        }
        return result;
    }

    [Fact]
    public void PostProcessChangesEveryFrameAndIsReproducible()
    {
        var plain = Render(Job("plain", VideoPostProcessMethod.None));
        var first = Render(Job("first"));
        var second = Render(Job("second"));

        var changed = Differences(plain, first);
        Assert.True(changed.Values.All(d => d > 0),
            $"frames equal to the render without post-process: {string.Join(", ", changed.Where(p => p.Value == 0).Select(p => p.Key))}");
        var repeated = Differences(first, second);
        Assert.True(repeated.Values.All(d => d == 0),
            $"two runs differ: {string.Join(", ", repeated.Where(p => p.Value > 0).Select(p => $"{p.Key} by {p.Value}"))} (tolerance 0)");
    }

    [Theory]
    [InlineData(5)]  // stopped after the first loop (post-processed), the second not started
    [InlineData(8)]  // stopped after 3 of the second loop's 5 frames
    public void ResumedRenderEqualsStraightRender(int stopAfterFrames)
    {
        var straight = Render(Job("straight"));
        var resumedJob = Job("resumed") with { GeneratorBatch = 1 };
        var resumedFrames = Render(resumedJob, stopAfterFrames: stopAfterFrames);
        Assert.Equal((1, stopAfterFrames - 5), new RunFolder(Path.GetDirectoryName(resumedFrames)!).ResumePoint(5, 2));

        Render(resumedJob, resume: true);
        var differences = Differences(straight, resumedFrames);
        Assert.True(differences.Values.All(d => d == 0),
            $"resumed after {stopAfterFrames} frames: {string.Join(", ", differences.Where(p => p.Value > 0).Select(p => $"{p.Key} by {p.Value}"))} (tolerance 0)");
    }

    [Fact]
    public void MissingWeightsFailAtValidation()
    {
        var missing = Path.Combine(_temp.FullName, "no-such", "model.pth");
        var job = Job("missing") with { FastdvdnetWeights = missing };
        var expected = Assert.Throws<FastDvdNetWeightsException>(() => FastDvdNetWeights.Validate(missing)).Message;
        var e = Assert.Throws<JobException>(() => JobValidator.Validate(job, ScheduleCompilers.Default));
        Assert.Equal(expected, e.Message);
        Assert.Contains(missing, e.Message);
        Assert.Contains("weights/README.md", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(Directory.Exists(job.OutputDir), "validation must fail before anything is written");
    }

    [Fact]
    public void UnknownPostProcessMethodNamesTheChoices()
    {
        // The method is an enum: an unknown name fails where the job is read.
        using var json = System.Text.Json.JsonDocument.Parse("\"fastdvdnet\"");
        var e = Assert.Throws<JobException>(() => JobFile.Apply(Job("unknown"), "video_post_process_method", json.RootElement, "job file"));
        Assert.Contains("video_post_process_method", e.Message);
        Assert.Contains("'FastDVDNet'", e.Message);
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
