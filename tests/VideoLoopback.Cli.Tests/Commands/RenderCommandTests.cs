using Spectre.Console.Cli.Testing;
using VideoLoopback.Cli.Commands;
using VideoLoopback.Video.Loopback;

namespace VideoLoopback.Cli.Tests.Commands;

/// <summary><c>render</c>'s options as Spectre parses them: the help lists every one, and they merge over a job file.</summary>
public sealed class RenderCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-render-options-");

    private static CommandAppTester App()
    {
        var app = new CommandAppTester();
        app.Configure(config => CliApp.Configure(config, TextWriter.Null, []));
        return app;
    }

    [Fact]
    public void HelpListsEveryOptionWithItsHelpLine()
    {
        var result = App().Run("render", "--help");
        Assert.Equal(0, result.ExitCode);
        var lines = result.Output.Split('\n').Select(l => l.Trim()).ToList();
        foreach (var option in new[] { "--job <FILE>", "--resume <RUN_FOLDER>", "--generator <NAME>", "--device <DEVICE>", "--no-video" })
            Assert.Contains(lines, l => l.StartsWith(option, StringComparison.Ordinal));
        foreach (var p in JobParameters.All)
        {
            var line = lines.FirstOrDefault(l => l.StartsWith(p.OptionSyntax + " ", StringComparison.Ordinal));
            Assert.True(line is not null, $"no help line for {p.OptionSyntax}:\n{result.Output}");
            Assert.EndsWith(p.Help.TrimEnd('.'), line);
        }
        Assert.Contains("--model, --checkpoint <FILE>", result.Output);
        Assert.Contains("--controlnet <SPEC>", result.Output);
    }

    [Fact]
    public void OptionsMergeOverAJobFile()
    {
        var file = Path.Combine(_temp.FullName, "job.json");
        File.WriteAllText(file, """{ "loop_n": 3, "prompt": "from file", "reference_frames_dir": "refs", "cfg_scale": 6, "loras": ["a"] }""");
        var missing = Path.Combine(_temp.FullName, "missing");
        var result = App().Run("render", "--generator", "fake", "--job", file, "--input", missing, "--loop-n", "5", "--seed", "-1",
            "--reference-frames-directory", "", "--lora", "b", "--lora", "c:0.5", "--checkpoint", "m.safetensors", "--no-video",
            "--temporal-superimpose-method", "with difference mask from reference");
        Assert.Equal(1, result.ExitCode); // the input does not exist: validation stops it before anything runs
        var settings = Assert.IsType<RenderCommand.Settings>(result.Settings);
        Assert.True(settings.NoVideo);
        var (job, timestamp) = RenderCommand.BuildJob(settings, result.Context!.Remaining.Parsed);
        Assert.Null(timestamp);
        Assert.Equal(missing, job.InputDir);
        Assert.Equal(5, job.LoopN);
        Assert.Equal(-1, job.Seed);
        Assert.Equal("", job.ReferenceFramesDir);
        Assert.Equal(["b", "c:0.5"], job.Loras);
        Assert.Equal("m.safetensors", job.Model);
        Assert.Equal(TemporalSuperimposeMethod.WithDifferenceMask, job.TemporalSuperimposeMethod);
        Assert.Equal("from file", job.Prompt);
        Assert.Equal(6, job.CfgScale);
    }

    [Fact]
    public void UnknownOptionFails()
    {
        var result = App().Run("render", "--generator", "fake", "--loop-nn", "5");
        Assert.Equal(1, result.ExitCode);
        var settings = Assert.IsType<RenderCommand.Settings>(result.Settings);
        var e = Assert.Throws<JobException>(() => RenderCommand.BuildJob(settings, result.Context!.Remaining.Parsed));
        Assert.Contains("unknown option '--loop-nn'", e.Message);
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
