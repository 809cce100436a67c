using VideoLoopback.Cli.Tests.Render;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Tests.Commands;

/// <summary><c>img2img</c> and <c>render</c> take a PyTorch <c>.ckpt</c>; a broken or unsafe one stops them with one error line.</summary>
[Trait("Area", "sd15")]
public sealed class PickledCheckpointCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-ckpt-");

    public void Dispose() => _temp.Delete(recursive: true);

    private static string Pickle(string name) => Path.GetFullPath(GoldenData.Path("sd15", "pickles", name));

    private string Init()
    {
        var path = Path.Combine(_temp.FullName, "init.png");
        ImageFile.Write(path, (arange(3 * 32 * 32, dtype: ScalarType.Int32) % 251).reshape(3, 32, 32).to(ScalarType.Byte));
        return path;
    }

    private (int Code, string Log) Img2Img(string checkpoint, string output) =>
        CliProcess.RunCli("img2img", "--checkpoint", checkpoint, "--init", Init(), "--prompt", "a cat", "--steps", "2",
            "--width", "32", "--height", "32", "--seed", "7", "--output", output);

    [Fact]
    public void Img2ImgRendersFromACkpt()
    {
        var output = Path.Combine(_temp.FullName, "out");
        var (code, log) = Img2Img(Pickle("tiny-sd15-fp16.ckpt"), output);
        Assert.True(code == 0, $"img2img with a .ckpt failed ({code}): {log}");
        Assert.Single(Directory.GetFiles(output, "*.png"));
    }

    [Fact]
    public void ATruncatedOrUnsafeCkptStopsWithOneErrorLineNamingIt()
    {
        var bytes = File.ReadAllBytes(Pickle("tiny-sd15-fp16.ckpt"));
        var truncated = Path.Combine(_temp.FullName, "truncated.ckpt");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        foreach (var (checkpoint, expected) in new[] { (truncated, "truncated"), (Pickle("payload-legacy.pt"), "posix.system") })
        {
            var (code, log) = Img2Img(checkpoint, Path.Combine(_temp.FullName, "never"));
            Assert.Equal(1, code);
            var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var error = Assert.Single(lines, l => l.StartsWith("error:", StringComparison.Ordinal));
            Assert.Contains(checkpoint, error);
            Assert.Contains(expected, error);
            Assert.DoesNotContain(lines, l => l.Contains("   at ", StringComparison.Ordinal));
        }
    }
}
