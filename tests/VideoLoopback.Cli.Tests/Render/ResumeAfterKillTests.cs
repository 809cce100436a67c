using System.Diagnostics;
using VideoLoopback.Tests.Shared;

namespace VideoLoopback.Cli.Tests.Render;

/// <summary>
/// <c>kill -9</c> at 20 seeded points of a small render with FastDVDNet (fake generator, 4 frames of 32x24, 3 loops), each
/// resumed to the end with no options but <c>--resume</c>: every final frame equals the uninterrupted render's. The kill
/// lands right after the N-th durable write (VIDEOLOOPBACK_KILL_AFTER), so each point is exact and repeatable.
/// </summary>
public sealed class ResumeAfterKillTests : IDisposable
{
    private const int Loops = 3, Frames = 4;
    // The record at the start, then per loop its raw frames, its post-processed frames and the record.
    private const int DurableWrites = 1 + Loops * (2 * Frames + 1);
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-resume-kill-");

    private static string[] Job(string output) =>
    [
        "render", "--generator", "fake", "--device", "cpu", "--no-video", "--no-preview",
        "--input", GoldenData.Path("loopback", "inputs", "seq_rgb"), "--output", output, "--loop-n", Loops.ToString(),
        "--max-frames", Frames.ToString(), "--width", "32", "--height", "24", "--seed", "11", "--subseed", "22",
        "--temporal-superimpose-alpha-list", "0.1,0.8,0.1", "--generator-batch", "1",
        "--video-post-process-method", "FastDVDNet", "--video-post-process-alpha", "0.5",
        "--fastdvdnet-weights", GoldenData.Path("loopback", "fastdvdnet", "weights.safetensors"),
    ];

    private static (int Code, string Log) Run(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = CliProcess.StartCli(environment, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"render {string.Join(' ', args)} did not end within 60 s");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static Dictionary<string, byte[]> ReadFrames(string run) =>
        Directory.GetFiles(Path.Combine(run, "output_frames"), "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(run, f), File.ReadAllBytes);

    [Fact]
    public void EveryKillPointResumesToTheUninterruptedFrames()
    {
        var reference = Path.Combine(_temp.FullName, "reference");
        var (code, log) = Run(new Dictionary<string, string>(), Job(reference));
        Assert.True(code == 0, $"uninterrupted render failed ({code}): {log}");
        var expected = ReadFrames(Assert.Single(Directory.GetDirectories(reference)));
        Assert.Equal(Loops * Frames, expected.Count);

        // 20 distinct seeded points among the writes before the last (after the last, the render is complete).
        var random = new Random(14);
        var points = Enumerable.Range(1, DurableWrites - 1).OrderBy(_ => random.Next()).Take(20).Order().ToList();
        foreach (var point in points)
        {
            var output = Path.Combine(_temp.FullName, $"killed-{point}");
            var env = new Dictionary<string, string> { ["VIDEOLOOPBACK_KILL_AFTER"] = point.ToString() };
            (code, log) = Run(env, Job(output));
            Assert.True(code == 137, $"kill point {point}: expected the render killed (137), got {code}: {log}");
            var run = Assert.Single(Directory.GetDirectories(output));

            (code, log) = Run(new Dictionary<string, string>(), "render", "--device", "cpu", "--no-video", "--no-preview", "--resume", run);
            Assert.True(code == 0, $"kill point {point}: resume failed ({code}): {log}");
            var frames = ReadFrames(run);
            Assert.Equal(expected.Keys.Order(), frames.Keys.Order());
            foreach (var (name, bytes) in expected)
                Assert.True(bytes.AsSpan().SequenceEqual(frames[name]), $"kill point {point}: {name} differs from the uninterrupted render's");
        }
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
