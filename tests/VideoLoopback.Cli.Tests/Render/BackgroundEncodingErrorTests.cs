using VideoLoopback.Tests.Shared;

namespace VideoLoopback.Cli.Tests.Render;

/// <summary>
/// Loop videos are encoded in the background while the next loop renders: an encoding that fails still ends the render with
/// one error line and exit 1 (at the next batch, or at the end), and every frame rendered before it stays on disk.
/// </summary>
[Trait("Area", "loopback")]
public sealed class BackgroundEncodingErrorTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-encode-error-");

    [Fact]
    public void FailedLoopVideoIsOneErrorLineAndKeepsTheFrames()
    {
        var output = Path.Combine(_temp.FullName, "out");
        var (code, log) = CliProcess.RunCli("render", "--generator", "fake", "--device", "cpu", "--no-preview",
            "--input", GoldenData.Path("loopback", "inputs", "seq_rgb"), "--output", output, "--loop-n", "3", "--max-frames", "4",
            "--width", "32", "--height", "24", "--seed", "1", "--subseed", "2", "--save-every-loop", "true",
            // H.261 takes only 176x144 and 352x288 frames: ffmpeg starts, then refuses the frames.
            "--video-codec", "h261");
        Assert.True(code == 1, $"expected exit 1, got {code}: {log}");
        var errors = log.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1, $"expected one error line: {log}");
        Assert.Contains("-loop_1.mkv", errors[0]);
        Assert.DoesNotContain("   at ", log);
        var run = Assert.Single(Directory.GetDirectories(output));
        Assert.Empty(Directory.GetFiles(run, "*.mkv"));
        // Loop 1 was whole before its video was queued; later loops may have stopped at the batch that saw the failure.
        Assert.Equal(4, Directory.GetFiles(Path.Combine(run, "output_frames", "loop_1"), "*.png").Length);
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
