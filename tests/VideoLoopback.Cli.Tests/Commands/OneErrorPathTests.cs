using System.Diagnostics;
using VideoLoopback.Cli.Tests.Render;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Tests.Commands;

/// <summary>
/// The built CLI ends every bad input with exactly one <c>error:</c> line on standard error and exit code 1: nothing of it on
/// standard output, no stack trace, no Spectre "Error:" with exit code 255. Values far out of range are refused before any
/// model loads, naming the option or key and its range.
/// </summary>
public sealed class OneErrorPathTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-errors-");

    public void Dispose() => _temp.Delete(recursive: true);

    private string Temp(string name) => Path.Combine(_temp.FullName, name);

    private string Input()
    {
        var folder = Directory.CreateDirectory(Temp("input")).FullName;
        ImageFile.Write(Path.Combine(folder, "00001.png"), (arange(3 * 64 * 64, dtype: ScalarType.Int32) % 251).reshape(3, 64, 64).to(ScalarType.Byte));
        return folder;
    }

    private static (int Code, string Stdout, string Stderr) Cli(params string[] args)
    {
        using var p = CliProcess.StartCli(args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"videoloopback {string.Join(' ', args)} did not end within 60 s");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Exit code 1 and the one expected line on standard error; standard output holds no error.</summary>
    private static void AssertError(string expected, params string[] args)
    {
        var (code, stdout, stderr) = Cli(args);
        Assert.True(code == 1, $"exit code {code}, expected 1; stdout: {stdout} stderr: {stderr}");
        Assert.Equal(expected, Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)).TrimEnd('\r'));
        Assert.DoesNotContain("error", stdout, StringComparison.OrdinalIgnoreCase);
    }

    private string[] Render(params string[] extra) =>
        ["render", "--generator", "fake", "--input", Input(), "--output", Temp("out"), "--no-video", "--no-preview", .. extra];

    [Fact]
    public void SpectresOwnParseErrorsAreOneErrorLine()
    {
        AssertError("error: Unknown command 'frobnicate'.", "frobnicate");
        AssertError("error: unknown option '--bogus' for img2img (see videoloopback img2img --help)", "img2img", "--bogus");
        AssertError("error: --batch-size 'x': not a value it takes (a number of the wrong kind or beyond its range)",
            "img2img", "--batch-size", "x");
    }

    [Fact]
    public void Img2ImgRefusesHugeSizesAndBatchesNamingTheRange()
    {
        AssertError("error: --width 99999999999: width and height must be positive multiples of 8, at most 16384", "img2img", "--width", "99999999999");
        AssertError("error: --batch-size 65536: expected 1..1024 images per sampler batch", "img2img", "--batch-size", "65536");
        // img2img has no batch count: an unknown option, not a silently ignored one.
        AssertError("error: unknown option '--batch-count' for img2img (see videoloopback img2img --help)",
            "img2img", "--batch-size", "65536", "--batch-count", "65536");
    }

    [Fact]
    public void RenderRefusesHugeSizesAndBatchesNamingKeyAndRange()
    {
        AssertError("error: --width '99999999999': expected an integer in 1..16384", Render("--width", "99999999999"));
        AssertError("error: width is 20000, expected 1..16384", Render("--width", "20000"));
        AssertError("error: batch_size is 65536, expected 1..1024", Render("--batch-size", "65536", "--batch-count", "65536"));
        AssertError("error: batch_size 64 x n_iter 1000 is 64000 images per frame, expected at most 4096 (they are all held to be blended)",
            Render("--batch-size", "64", "--batch-count", "1000"));
        var job = Temp("job.json");
        File.WriteAllText(job, """{ "width": 99999999999 }""");
        AssertError($"error: job file '{job}': 'width' is 99999999999, expected an integer in 1..16384", Render("--job", job));
    }

    [Fact]
    public void AnOversizedFastDvdNetPickleIsRefusedBeforeAllocating()
    {
        var weights = Temp("model.pth");
        File.WriteAllBytes(weights, CraftedPickles.Zip(CraftedPickles.StateDictPickle(37_250_000_000), new byte[4]));
        AssertError($"error: {weights}: storage '0' declares 37250000000 F32 elements (149000000000 bytes) but the file holds 4 bytes " +
            "for it (truncated or malformed).", Render("--video-post-process-method", "FastDVDNet", "--fastdvdnet-weights", weights));
    }

    [Fact]
    public void ACorruptFastDvdNetPickleIsOneErrorLineNamingTheFile()
    {
        var bytes = File.ReadAllBytes(GoldenData.Path("sd15", "pickles", "fastdvdnet-legacy.pth"));
        var truncated = Temp("model.pth");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var (code, stdout, stderr) = Cli(Render("--video-post-process-method", "FastDVDNet", "--fastdvdnet-weights", truncated));
        Assert.True(code == 1, $"exit code {code}: {stdout} {stderr}");
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: ", line);
        Assert.Contains(truncated, line);
        Assert.Contains("truncated", line);
        Assert.DoesNotContain("   at ", stdout + stderr);
    }
}
