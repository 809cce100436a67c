using System.Globalization;
using VideoLoopback.Cli.Tests.Render;
using VideoLoopback.Tests.Shared;

namespace VideoLoopback.Cli.Tests.Commands.Bench;

/// <summary><c>bench dtype</c> on the tiny SD1.5 checkpoint: both dtypes run and the PSNR line comes last.</summary>
public class BenchDtypeTests
{
    [Fact]
    public void TinyCheckpointGivesAPsnrAgainstFloat32()
    {
        var tiny = Path.GetFullPath(Path.Combine(GoldenData.Path("sd15"), "tiny-sd15.safetensors"));
        var (code, log) = CliProcess.RunCli("bench", "dtype", "--dtype", "fp16", "--checkpoint", tiny, "--size", "64", "--steps", "2");
        Assert.True(code == 0, $"bench dtype failed ({code}): {log}");
        var last = log.TrimEnd().Split('\n')[^1].Trim();
        Assert.StartsWith("psnr ", last);
        double psnr = double.Parse(last["psnr ".Length..], CultureInfo.InvariantCulture);
        // fp16 keeps 11 bits: frames within a few levels of fp32, far above the ~10 dB of unrelated images.
        Assert.True(psnr > 30, $"fp16 frames are {psnr:F1} dB from fp32");
    }
}
