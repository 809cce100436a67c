using VideoLoopback.Video.Imaging;
using System.Globalization;
using VideoLoopback.Video.Loopback;

namespace VideoLoopback.Cli.Tests.Render;

/// <summary><c>videoloopback render</c> as a user runs it: a video with audio in, frames and mp4s out; kill and resume; bad input.</summary>
public sealed class RenderEndToEndTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-render-");

    private string[] FakeJob(string input, string output, int loops, params string[] extra) =>
    [
        "render", "--generator", "fake", "--device", "cpu", "--input", input, "--output", output, "--loop-n", loops.ToString(),
        "--width", "64", "--height", "48", "--seed", "11", "--subseed", "22", "--fix-seed", "false",
        "--temporal-superimpose-alpha-list", "0.2,0.6,0.2", "--batch-count", "2", "--output-frame-rate", "10", "--prompt", "test",
        .. extra,
    ];

    [Fact]
    public void VideoWithAudioRendersFramesAndVideos()
    {
        var input = CliProcess.MakeVideo(_temp.FullName, 80, 60, 10, 12, 1.2);
        var output = Path.Combine(_temp.FullName, "out");
        var (code, log) = CliProcess.RunCli(FakeJob(input, output, 2));
        Assert.True(code == 0, $"render failed ({code}): {log}");

        var run = Assert.Single(Directory.GetDirectories(output));
        var timestamp = Path.GetFileName(run);
        Assert.True(File.Exists(Path.Combine(run, timestamp + ".json")), "settings JSON missing");
        foreach (var loop in new[] { "loop_1", "loop_2" })
            Assert.Equal(12, Directory.GetFiles(Path.Combine(run, "output_frames", loop), "*.png").Length);
        Assert.True(File.Exists(Path.Combine(run, $"{timestamp}-loop_1.mp4")), "loop 1 video missing");
        Assert.True(File.Exists(Path.Combine(run, $"{timestamp}-loop_2.mp4")), "loop 2 video missing");

        var final = Path.Combine(run, $"{timestamp}.mp4");
        var video = CliProcess.Tool("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames",
            "-show_entries", "stream=width,height,r_frame_rate,nb_read_frames", "-of", "csv=p=0", final).Split(',');
        Assert.Equal(["64", "48", "10/1", "12"], video);
        var audio = CliProcess.Tool("ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=duration", "-of", "csv=p=0", final);
        double seconds = double.Parse(audio, CultureInfo.InvariantCulture);
        // 12 frames at 10 fps = 1.2 s of video; the 1.2 s audio track is kept (AAC frames round it by a few ms).
        Assert.True(Math.Abs(seconds - 1.2) < 0.05, $"audio lasts {seconds} s, expected 1.2 s");
    }

    [Fact]
    public void KilledRenderResumesToTheSameFrames()
    {
        var input = CliProcess.MakeVideo(_temp.FullName, 64, 48, 10, 24, 1);
        var reference = Path.Combine(_temp.FullName, "reference");
        // 30 loops of 24 frames: long enough that the kill lands mid-render even where the fake renders 1000+ frames/s.
        const int loops = 30;
        var (code, log) = CliProcess.RunCli(FakeJob(input, reference, loops, "--no-video"));
        Assert.True(code == 0, $"uninterrupted render failed: {log}");

        var output = Path.Combine(_temp.FullName, "killed");
        using (var process = CliProcess.StartCli(FakeJob(input, output, loops, "--no-video", "--generator-batch", "1")))
        {
            // Kill once the first frame is on disk (frames are checkpointed asynchronously, so the kill lands a little later).
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (!process.HasExited && DateTime.UtcNow < deadline)
            {
                var loop1 = !Directory.Exists(output) ? null : Directory.GetDirectories(output).Select(r => Path.Combine(r, "output_frames", "loop_1")).FirstOrDefault(Directory.Exists);
                if (loop1 != null && Directory.GetFiles(loop1, "*.png").Length >= 1) break;
                Thread.Sleep(20);
            }
            Assert.False(process.HasExited, "the render finished before it could be killed");
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        var run = Assert.Single(Directory.GetDirectories(output));
        int written = Directory.GetFiles(Path.Combine(run, "output_frames"), "*.png", SearchOption.AllDirectories).Length;
        Assert.True(written < loops * 24, "every frame was written before the kill");

        (code, log) = CliProcess.RunCli("render", "--generator", "fake", "--device", "cpu", "--no-video", "--resume", run);
        Assert.True(code == 0, $"resume failed ({code}): {log}");

        var referenceRun = Assert.Single(Directory.GetDirectories(reference));
        for (int loop = 1; loop <= loops; loop++)
        {
            var expectedDir = Path.Combine(referenceRun, "output_frames", $"loop_{loop}");
            var actualDir = Path.Combine(run, "output_frames", $"loop_{loop}");
            var names = Directory.GetFiles(expectedDir).Select(Path.GetFileName).Order().ToList();
            Assert.Equal(names, Directory.GetFiles(actualDir).Select(Path.GetFileName).Order().ToList());
            foreach (var name in names)
                Assert.True(Pixels(Path.Combine(expectedDir, name!)).SequenceEqual(Pixels(Path.Combine(actualDir, name!))),
                    $"loop_{loop}/{name} differs between the resumed and the uninterrupted render");
        }
    }

    [Fact]
    public async Task CtrlCStopsAfterTheCurrentBatch()
    {
        // Long enough (7200 single-frame batches, several seconds even at 1000+ frames/s on an idle machine) that the
        // render is still running when the signal lands; once it works, the render stops after its first batches.
        var input = CliProcess.MakeVideo(_temp.FullName, 64, 48, 10, 120, 1);
        var output = Path.Combine(_temp.FullName, "out");
        using var process = CliProcess.StartCli(FakeJob(input, output, 60, "--no-video", "--generator-batch", "1"));
        var stdout = process.StandardOutput.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!process.HasExited && DateTime.UtcNow < deadline)
        {
            var loop1 = !Directory.Exists(output) ? null : Directory.GetDirectories(output).Select(r => Path.Combine(r, "output_frames", "loop_1")).FirstOrDefault(Directory.Exists);
            if (loop1 != null && Directory.GetFiles(loop1, "*.png").Length >= 1) break;
            Thread.Sleep(20);
        }
        Assert.False(process.HasExited, "the render finished before Ctrl-C could be sent");
        CliProcess.Tool("kill", "-INT", process.Id.ToString());
        Assert.True(process.WaitForExit(60_000), "the render did not stop after Ctrl-C");
        var log = await stdout;
        Assert.True(process.ExitCode == 130, $"exit code {process.ExitCode} after Ctrl-C, expected 130: {log}");
        Assert.True(log.Contains("--resume"), $"no resume hint after Ctrl-C: {log}");
        var run = Assert.Single(Directory.GetDirectories(output));
        Assert.Empty(Directory.GetFiles(run, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void MissingInputFailsBeforeAnythingIsWritten()
    {
        var output = Path.Combine(_temp.FullName, "out");
        var missing = Path.Combine(_temp.FullName, "missing-folder");
        var (code, log) = CliProcess.RunCli(FakeJob(missing, output, 1));
        Assert.Equal(1, code);
        Assert.Contains("input_dir", log);
        Assert.Contains("missing-folder", log);
        Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any(), "a run folder was created for a job that cannot run");
    }

    [Fact]
    public void FastDvdNetWithoutWeightsFailsBeforeAnythingIsWritten()
    {
        var output = Path.Combine(_temp.FullName, "out");
        var input = VideoLoopback.Tests.Shared.GoldenData.Path("loopback", "inputs", "seq_rgb");
        var weights = Path.Combine(_temp.FullName, "no-weights", "model.pth");
        var (code, log) = CliProcess.RunCli([.. FakeJob(input, output, 1), "--video-post-process-method", "FastDVDNet",
            "--fastdvdnet-weights", weights]);
        Assert.Equal(1, code);
        log = log.ReplaceLineEndings("");  // the console wraps long lines
        Assert.Contains($"FastDVDNet weights '{weights}' not found", log);
        Assert.Contains("weights/README.md", log);
        Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any(), "a run folder was created for a job that cannot run");
    }

    [Fact]
    public void EvenAlphaListFails()
    {
        var input = CliProcess.MakeVideo(_temp.FullName, 64, 48, 10, 3, 0.3);
        var (code, log) = CliProcess.RunCli([.. FakeJob(input, Path.Combine(_temp.FullName, "out"), 1), "--temporal-superimpose-alpha-list", "0.5,0.5"]);
        Assert.Equal(1, code);
        Assert.Contains("temporal_superimpose_alpha_list", log);
    }

    [Fact]
    public void OriginalSettingsJsonIsAcceptedAsAJob()
    {
        var input = CliProcess.MakeVideo(_temp.FullName, 64, 48, 10, 4, 0.4);
        var first = Path.Combine(_temp.FullName, "first");
        var (code, log) = CliProcess.RunCli(FakeJob(input, first, 1, "--no-video"));
        Assert.True(code == 0, log);
        var run = Assert.Single(Directory.GetDirectories(first));
        var settings = Path.Combine(run, Path.GetFileName(run) + ".json");
        var second = Path.Combine(_temp.FullName, "second");
        (code, log) = CliProcess.RunCli("render", "--generator", "fake", "--device", "cpu", "--no-video", "--job", settings, "--output", second);
        Assert.True(code == 0, log);
        var rerun = Assert.Single(Directory.GetDirectories(second));
        foreach (var file in Directory.GetFiles(Path.Combine(run, "output_frames", "loop_1")))
            Assert.True(Pixels(file).SequenceEqual(Pixels(Path.Combine(rerun, "output_frames", "loop_1", Path.GetFileName(file)))),
                $"{Path.GetFileName(file)} differs when re-running the written settings JSON");
    }

    private static byte[] Pixels(string png)
    {
        using var frame = ImageFile.Read(png).Image;
        return [.. frame.shape.Select(d => (byte)d), .. frame.data<byte>().ToArray()];
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
