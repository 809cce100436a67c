using VideoLoopback.Cli;
using VideoLoopback.Cli.Tests.Render;
using VideoLoopback.Tests.Shared;

namespace VideoLoopback.Cli.Tests.Commands;

/// <summary>
/// The heavy commands restart themselves on tcmalloc where it is installed (scripts/setup.sh installs it); the bench
/// commands say which allocator serves them. Same process id across the restart is covered by the Ctrl-C render test,
/// which signals the pid it started.
/// </summary>
public sealed class CachingAllocatorTests
{
    private static bool TcmallocInstalled => CachingAllocator.FindLibrary() is not null;

    [Fact]
    public void BenchRunsOnTcmallocWhereInstalled()
    {
        var (exit, output) = CliProcess.RunCli("bench", "schedules", "--frames", "1", "--loops", "1");
        Assert.True(exit == 0, output);
        var expected = TcmallocInstalled ? "allocator tcmalloc" : "allocator glibc malloc";
        Assert.Equal(expected, output.Split('\n')[0].Trim());
    }

    [Fact]
    public void SystemAllocatorCanBeChosen()
    {
        using var process = CliProcess.StartCli(new Dictionary<string, string> { ["VIDEOLOOPBACK_ALLOCATOR"] = "system" },
            "bench", "schedules", "--frames", "1", "--loops", "1");
        var (exit, output) = CliProcess.Wait(process);
        Assert.True(exit == 0, output);
        Assert.Equal("allocator glibc malloc", output.Split('\n')[0].Trim());
    }

    [Fact]
    public void ChildProcessesKeepTheCallersPreload()
    {
        // The preload is the CLI's own: ffmpeg must start with the environment the user gave the CLI. An ffmpeg on PATH
        // that records its LD_PRELOAD and then runs the real one shows what the encoder got.
        var folder = Directory.CreateTempSubdirectory("vl-alloc-").FullName;
        try
        {
            var realFfmpeg = CliProcess.Tool("sh", "-c", "command -v ffmpeg");
            var record = Path.Combine(folder, "ffmpeg-preload.txt");
            var wrapper = Path.Combine(folder, "ffmpeg");
            File.WriteAllText(wrapper, $"#!/bin/sh\nprintf '[%s]\\n' \"$LD_PRELOAD\" >> '{record}'\nexec '{realFfmpeg}' \"$@\"\n");
            CliProcess.Tool("chmod", "u+x", wrapper);
            var environment = new Dictionary<string, string>
            {
                ["PATH"] = folder + ":" + Environment.GetEnvironmentVariable("PATH"),
            };
            using var process = CliProcess.StartCli(environment, "render", "--generator", "fake",
                "--input", GoldenData.Path("loopback", "inputs", "seq9"), "--output", Path.Combine(folder, "out"),
                "--loop-n", "1", "--width", "64", "--height", "64");
            var (exit, output) = CliProcess.Wait(process);
            Assert.True(exit == 0, output);
            var seen = File.ReadAllLines(record);
            Assert.NotEmpty(seen);
            var expected = $"[{Environment.GetEnvironmentVariable("LD_PRELOAD") ?? ""}]";
            Assert.All(seen, line => Assert.Equal(expected, line));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
