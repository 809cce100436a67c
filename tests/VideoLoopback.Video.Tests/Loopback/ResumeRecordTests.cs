using System.Text.Json;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Generation;
using VideoLoopback.Video.Imaging;
using VideoLoopback.Video.Loopback;
using VideoLoopback.Video.Tests.FastDvdNet;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>
/// The resume record and what resume makes of it (fake generator, 5 frames of 32x24): options that would change rendered
/// frames are refused by name, those that extend the run are honoured, a loop is final only after its post-process,
/// an unrecorded loop video is written again, run folders are never shared, temp files are never frames.
/// </summary>
[Collection(LibTorchSwitchCollection.Name)]
public sealed class ResumeRecordTests : IDisposable
{
    private const string Timestamp = "260101_000000";
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-resume-record-");

    private JobSpec Job(string output, int loops = 2, bool fastDvdNet = true) => new()
    {
        InputDir = GoldenData.Path("loopback", "inputs", "seq_rgb"),
        OutputDir = Path.Combine(_temp.FullName, output),
        Width = 32, Height = 24, MaxFrames = 5, LoopN = loops, Seed = 1234, Subseed = 5678,
        TemporalSuperimposeAlphaList = "0.1,0.8,0.1",
        VideoPostProcessMethod = fastDvdNet ? VideoPostProcessMethod.FastDvdNet : VideoPostProcessMethod.None,
        VideoPostProcessAlpha = 0.5, FastdvdnetNoiseSigma = 30, FastdvdnetWeights = FastDvdNetGoldenCase.WeightsPath,
    };

    private static RenderResult Render(JobSpec job, bool resume = false, bool videos = false) =>
        Render(job, new RenderOptions { Timestamp = Timestamp, EncodeVideos = videos, Resume = resume, Generator = "fake" });

    private static RenderResult Render(JobSpec job, RenderOptions options)
    {
        using var generator = new FakeGenerator();
        return new LoopbackEngine(job, generator, ScheduleCompilers.Default, CPU).Run(options);
    }

    private static IEnumerable<IGrouping<string, string?>> Options(params string[] nameValues) =>
        nameValues.Chunk(2).GroupBy(p => p[0], p => (string?)p[1]);

    private static void AssertSameFrames(string runA, string runB, int loops)
    {
        for (int loop = 0; loop < loops; loop++)
            for (int i = 0; i < 5; i++)
            {
                using var a = ImageFile.Read(new RunFolder(runA).FramePath(loop, i)).Image;
                using var b = ImageFile.Read(new RunFolder(runB).FramePath(loop, i)).Image;
                Assert.True(a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>(), $"loop {loop + 1} frame {i} differs");
            }
    }

    [Fact]
    public void RecordHoldsWhatDeterminesTheFramesBesideUnchangedSettings()
    {
        var job = Job("out") with { MaskDir = "relative-masks" };
        var result = Render(job with { MaskDir = "" });
        var run = new RunFolder(result.RunDirectory);
        Assert.Equal(Path.Combine(run.Directory, Timestamp + ".resume.json"), run.RecordFile);
        using var doc = JsonDocument.Parse(File.ReadAllText(run.RecordFile));
        var root = doc.RootElement;
        Assert.Equal("fake", root.GetProperty("generator").GetString());
        Assert.Equal(2, root.GetProperty("loops_finished").GetInt32());
        Assert.Equal(ResumeRecord.InputIdentity(job.InputDir), root.GetProperty("input").GetString());
        Assert.StartsWith("10 files, ", root.GetProperty("input").GetString());
        var keys = root.GetProperty("job").EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var p in JobParameters.All.Where(p => p.Get(job) is not null)) Assert.Contains(p.Key, keys);
        Assert.True(Path.IsPathFullyQualified(root.GetProperty("job").GetProperty("input_dir").GetString()!));
        Assert.Equal(Path.GetFullPath("relative-masks"), ResumeRecord.Absolute(job).MaskDir);
        // The settings JSON is the original's, as before records.
        var settings = File.ReadAllText(run.SettingsFile);
        Assert.DoesNotContain("loops_finished", settings);
    }

    [Fact]
    public void OptionChangingRenderedFramesIsRefusedNamingBothValues()
    {
        var run = new RunFolder(Render(Job("out")).RunDirectory);
        var record = ResumeRecord.Read(run)!;
        var e = Assert.Throws<JobException>(() => record.Resume(Options("--steps", "30"), Path.GetDirectoryName(run.Directory)!));
        Assert.Equal("--resume: --steps would change frames already rendered: the run has 20, the option gives 30", e.Message);
        var model = Path.Combine(_temp.FullName, "custom.safetensors");
        e = Assert.Throws<JobException>(() => record.Resume(Options("--checkpoint", model), Path.GetDirectoryName(run.Directory)!));
        Assert.Equal($"--resume: --model would change frames already rendered: the run has null, the option gives \"{model}\"", e.Message);
        e = Assert.Throws<JobException>(() => record.ResumeGenerator("sd"));
        Assert.Equal("--resume: --generator would change frames already rendered: the run has 'fake', the option gives 'sd'", e.Message);
        Assert.Equal("fake", record.ResumeGenerator(null));
        e = Assert.Throws<JobException>(() => record.Resume(Options("--loop-n", "1"), Path.GetDirectoryName(run.Directory)!));
        Assert.Equal("--resume: --loop-n would change frames already rendered: the run has 2, the option gives 1", e.Message);
    }

    [Fact]
    public void DifferentDtypeIsRefusedAndTheRecordedOneKept()
    {
        var record = new ResumeRecord { Job = new JobSpec(), Generator = "sd", Dtype = "bfloat16" };
        var e = Assert.Throws<JobException>(() => record.ResumeDtype("float32"));
        Assert.Equal("--resume: --dtype would change frames already rendered: the run has 'bfloat16', the option gives 'float32'", e.Message);
        Assert.Equal("bfloat16", record.ResumeDtype(null));
        Assert.Equal("bfloat16", record.ResumeDtype("bfloat16"));
        // A run without a dtype (the fake generator) takes the option.
        var fake = new ResumeRecord { Job = new JobSpec(), Generator = "fake" };
        Assert.Equal("float16", fake.ResumeDtype("float16"));
        Assert.Null(fake.ResumeDtype(null));
    }

    [Fact]
    public void SameValueOrExtendingOptionIsTaken()
    {
        var run = new RunFolder(Render(Job("out")).RunDirectory);
        var record = ResumeRecord.Read(run)!;
        var job = record.Resume(Options("--steps", "20", "--loop-n", "3", "--generator-batch", "2"), Path.GetDirectoryName(run.Directory)!);
        Assert.Equal((3, 2), (job.LoopN, job.GeneratorBatch));
    }

    [Fact]
    public void MoreLoopsOnAFinishedRunRenderTheNewLoopAsAStraightRenderDoes()
    {
        var straight = Render(Job("straight", loops: 3)).RunDirectory;
        var run = new RunFolder(Render(Job("resumed")).RunDirectory);
        var job = ResumeRecord.Read(run)!.Resume(Options("--loop-n", "3"), Path.GetDirectoryName(run.Directory)!);
        Render(job, resume: true);
        AssertSameFrames(straight, run.Directory, 3);
        Assert.Equal(3, ResumeRecord.Read(run)!.LoopsFinished);
    }

    [Fact]
    public void LoopNotRecordedFinalIsRenderedAgainAfterAKillDuringItsPostProcess()
    {
        var straight = Render(Job("straight")).RunDirectory;
        var run = new RunFolder(Render(Job("killed")).RunDirectory);
        // As a kill after loop 2's raw frames, partway through its post-process: frames 3 and 4 not denoised, not recorded.
        var record = ResumeRecord.Read(run)!;
        record.LoopsFinished = 1;
        record.Save(run);
        using (var raw = ImageFile.Read(run.FramePath(0, 3)).Image)
        {
            ImageFile.Write(run.FramePath(1, 3), raw);
            ImageFile.Write(run.FramePath(1, 4), raw);
        }
        Assert.Equal((1, 0), run.ResumePoint(5, 2, 1, postProcessed: true));
        Render(ResumeRecord.Read(run)!.Job, resume: true);
        AssertSameFrames(straight, run.Directory, 2);
    }

    [Fact]
    public void UnrecordedLoopVideoIsEncodedAgain()
    {
        var run = new RunFolder(Render(Job("out", loops: 1, fastDvdNet: false), videos: true).RunDirectory);
        var video = run.LoopVideo(0);
        long size = new FileInfo(video).Length;
        Assert.Equal([Path.GetFileName(video)], ResumeRecord.Read(run)!.VideosFinished);
        var record = ResumeRecord.Read(run)!;
        record.VideosFinished.Clear();
        record.Save(run);
        using (var file = File.OpenWrite(video)) file.SetLength(100);
        Render(record.Job, resume: true, videos: true);
        Assert.True(new FileInfo(video).Length > 100, $"loop video not written again ({size} bytes before)");
        Assert.Equal([Path.GetFileName(video)], ResumeRecord.Read(run)!.VideosFinished);
    }

    [Fact]
    public void ChangedInputStopsTheResumeNamingIt()
    {
        var input = Path.Combine(_temp.FullName, "input");
        Directory.CreateDirectory(input);
        foreach (var f in Directory.GetFiles(GoldenData.Path("loopback", "inputs", "seq_rgb"), "*.png").Order().Take(3))
            File.Copy(f, Path.Combine(input, Path.GetFileName(f)));
        var job = Job("out", loops: 1, fastDvdNet: false) with { InputDir = input };
        var run = new RunFolder(Render(job).RunDirectory);
        var was = ResumeRecord.InputIdentity(input);
        File.AppendAllText(Path.Combine(input, "notes.txt"), "x");
        var e = Assert.Throws<JobException>(() => Render(ResumeRecord.Read(run)!.Job, resume: true));
        Assert.Equal($"--resume: input_dir '{input}' changed since the run started: it was {was}, it is {ResumeRecord.InputIdentity(input)}", e.Message);
    }

    [Fact]
    public void TwoRendersInTheSameSecondGetTwoCompleteRunFolders()
    {
        var job = Job("out", loops: 1, fastDvdNet: false);
        var first = Render(job);
        var second = Render(job);
        Assert.Equal(Path.Combine(job.OutputDir, Timestamp), first.RunDirectory);
        Assert.Equal(Path.Combine(job.OutputDir, Timestamp + "-2"), second.RunDirectory);
        AssertSameFrames(first.RunDirectory, second.RunDirectory, 1);
        Assert.True(File.Exists(new RunFolder(second.RunDirectory).SettingsFile));
        var claimed = RunFolder.Claim(job.OutputDir, Timestamp);
        Assert.Equal(Timestamp + "-3", claimed.Timestamp);
        claimed.ReleaseUnused();
        Assert.False(Directory.Exists(claimed.Directory));
    }

    [Fact]
    public void LeftoverTempFilesAreNeverFrames()
    {
        var run = new RunFolder(Path.Combine(_temp.FullName, "run"));
        Directory.CreateDirectory(run.LoopDirectory(0));
        File.WriteAllText(run.FramePath(0, 0) + ".tmp", "half");
        File.WriteAllText(AtomicFile.TempName(run.FramePath(0, 0)), "half");
        Assert.Equal((0, 0), run.ResumePoint(5, 1));
        Assert.NotEqual(AtomicFile.TempName("a.png"), AtomicFile.TempName("a.png"));
    }

    [Fact]
    public void WriterLeavesNoTempFilesAndReportsAFailureAsItself()
    {
        var folder = Path.Combine(_temp.FullName, "frames");
        using var frame = zeros([3, 4, 4], ScalarType.Byte);
        using (var writer = new CheckpointWriter())
        {
            writer.Enqueue(Path.Combine(folder, "0000000.png"), frame);
            writer.Flush();
            writer.Complete();
        }
        Assert.Equal(["0000000.png"], Directory.GetFiles(folder).Select(Path.GetFileName));

        // A folder that is a file: the write fails as a full disk would, with the cause and the file named.
        var blocked = Path.Combine(_temp.FullName, "blocked");
        File.WriteAllText(blocked, "");
        using var failing = new CheckpointWriter();
        failing.Enqueue(Path.Combine(blocked, "0000000.png"), frame);
        var e = Assert.ThrowsAny<IOException>(() =>
        {
            for (int i = 1; i < 1000; i++) failing.Enqueue(Path.Combine(blocked, $"{i:D7}.png"), frame);
            failing.Complete();
        });
        Assert.Contains(blocked, e.Message);
        Assert.Equal(e.Message, Assert.ThrowsAny<IOException>(failing.Complete).Message);
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
