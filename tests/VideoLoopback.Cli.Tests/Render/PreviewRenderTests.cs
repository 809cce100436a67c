using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Tests.Render;

/// <summary><c>render --generator sd</c> leaves the live preview in the run folder, and none with <c>--no-preview</c>.</summary>
[Trait("Area", "loopback")]
public sealed class PreviewRenderTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-render-preview-");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SdRenderWritesThePreviewUnlessTurnedOff(bool noPreview)
    {
        var input = Path.Combine(_temp.FullName, "input.png");
        using (var image = (arange(3 * 32 * 32, dtype: ScalarType.Int32) % 251).reshape(3, 32, 32).to(ScalarType.Byte)) ImageFile.Write(input, image);
        var output = Path.Combine(_temp.FullName, $"out-{noPreview}");
        var tiny = Path.GetFullPath(Path.Combine(GoldenData.Path("sd15"), "tiny-sd15.safetensors"));
        string[] args = ["render", "--generator", "sd", "--checkpoint", tiny, "--device", "cpu", "--no-video", "--input", input,
            "--max-frames", "1", "--output", output, "--loop-n", "1", "--width", "32", "--height", "32", "--steps", "2",
            "--denoising-strength", "0.5", "--seed", "3", "--prompt", "a red fox"];
        var (code, log) = CliProcess.RunCli(noPreview ? [.. args, "--no-preview"] : args);
        Assert.True(code == 0, $"sd render failed ({code}): {log}");
        var run = Assert.Single(Directory.GetDirectories(output));
        var preview = Path.Combine(run, "preview.png");
        Assert.Equal(!noPreview, File.Exists(preview));
        if (!noPreview) Assert.Equal([3L, 4, 4], ImageFile.Read(preview).Image.shape);
        Assert.Empty(Directory.GetFiles(run, "*.tmp"));
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
