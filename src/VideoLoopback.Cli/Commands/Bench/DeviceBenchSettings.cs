using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>Options of the benchmarks that can run on a GPU: <c>--device</c> besides <c>--threads</c>.</summary>
public class DeviceBenchSettings : TorchBenchSettings
{
    [CommandOption("--device <DEVICE>")]
    [Description("cpu or cuda (default cpu).")]
    public string Device { get; init; } = "cpu";

    /// <summary>The device <c>--device</c> names.</summary>
    public TorchSharp.torch.Device TorchDevice => device(Device);

    /// <summary>Where and in what the networks run: float32 on the CPU, float16 on CUDA (as render).</summary>
    public VideoLoopback.Diffusion.Nn.ModuleDevice Compute =>
        new(TorchDevice, VideoLoopback.Diffusion.Nn.ComputePrecision.DefaultFor(TorchDevice));

    public override ValidationResult Validate()
    {
        var threads = base.Validate();
        if (!threads.Successful) return threads;
        bool known = Device is "cpu" or "cuda" || (Device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(Device[5..], out _));
        return known ? ValidationResult.Success() : ValidationResult.Error("--device must be cpu or cuda (cuda:N for one GPU)");
    }
}
