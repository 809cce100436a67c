using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>Options of the benchmarks that run the full-size SD1.5 UNet: image side, UNet batch and device.</summary>
public class UnetBenchSettings : DeviceBenchSettings
{
    [CommandOption("--size <PIXELS>")]
    [Description("Image side in pixels (latent = size/8). Default 256.")]
    public int Size { get; init; } = 256;

    [CommandOption("--batch <N>")]
    [Description("UNet batch (2 = one CFG pair). Default 2.")]
    public int Batch { get; init; } = 2;

    /// <summary>Latent side: the image side / 8.</summary>
    public long LatentSide => Size / 8;

    public override ValidationResult Validate() =>
        base.Validate() is { Successful: false } threads ? threads
        : Size < 64 || Size % 8 != 0 ? ValidationResult.Error("--size must be a multiple of 8, at least 64")
        : Batch < 1 ? ValidationResult.Error("--batch must be at least 1")
        : ValidationResult.Success();
}
