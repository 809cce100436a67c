using Spectre.Console.Cli.Testing;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Imaging;

namespace VideoLoopback.Cli.Tests.Commands;

/// <summary><c>videoloopback preprocess</c>: writes the module's control map; bad module names and values fail with one line.</summary>
[Trait("Area", "adapters")]
public sealed class PreprocessCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-preprocess-");
    private static string Golden(string name) => GoldenData.Path("adapters", "preprocessors", name);

    private static CommandAppResult Run(params string[] args) => RunWithErrors(args).Result;

    private static (CommandAppResult Result, string Errors) RunWithErrors(params string[] args) => InProcessCli.Run(["preprocess", .. args]);

    [Theory]
    [InlineData("canny", "96", "50", "120", "0", "drawing_71x97.canny.r96.a50.b120.png")]
    [InlineData("shuffle", "-1", "-1", "-1", "12345", "drawing_71x97.shuffle.r512.a0.5.b0.5.s12345.png")]
    public void WritesTheControlMapTheExtensionMakes(string module, string res, string a, string b, string seed, string expected)
    {
        var output = Path.Combine(_temp.FullName, "hint.png");
        var result = Run("--module", module, "--input", Golden("inputs/drawing_71x97.png"), "--output", output,
            "--processor-res", res, "--threshold-a", a, "--threshold-b", b, "--seed", seed);
        Assert.True(result.ExitCode == 0, result.Output);
        var (written, _) = ImageFile.Read(output);
        var (reference, _) = ImageFile.Read(Golden("outputs/" + expected));
        Assert.True(written.shape.SequenceEqual(reference.shape) && written.eq(reference).all().item<bool>(), $"{module}: the written map differs from {expected}");
    }

    [Theory]
    [InlineData("cany", "module 'cany' is unknown")]
    [InlineData("lineart", "needs a network model")]
    public void RefusesModulesItCannotRun(string module, string message)
    {
        var run = RunWithErrors("--module", module, "--input", Golden("inputs/drawing_71x97.png"), "--output", Path.Combine(_temp.FullName, "x.png"));
        InProcessCli.AssertOneErrorLine(run, "error: --module: ");
        Assert.Contains(message, run.Errors);
    }

    [Fact]
    public void RefusesOutOfRangeValuesAndMissingFiles()
    {
        var output = Path.Combine(_temp.FullName, "x.png");
        var range = RunWithErrors("--module", "canny", "--threshold-a", "300", "--input", Golden("inputs/drawing_71x97.png"), "--output", output);
        InProcessCli.AssertOneErrorLine(range, "error: ");
        Assert.Contains("threshold_a 300 is outside canny's range", range.Errors);
        var missing = Path.Combine(_temp.FullName, "none.png");
        InProcessCli.AssertOneErrorLine(RunWithErrors("--module", "canny", "--input", missing, "--output", output), $"error: --input '{missing}' not found");
        Assert.False(File.Exists(output));
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
