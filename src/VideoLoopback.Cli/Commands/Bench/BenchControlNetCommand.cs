using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;
using VideoLoopback.Diffusion.ControlNet;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Unet;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>The full-size SD1.5 UNet forward with 0, 1 and 2 ControlNets (random weights) in the same run.</summary>
public sealed class BenchControlNetCommand : Command<BenchControlNetCommand.Settings>, IBenchCommand
{
    public static string Name => "controlnet";
    public static string Description => "Full-size SD1.5 UNet forward at 256x256 with 0, 1 and 2 ControlNets (random weights).";

    public sealed class Settings : UnetBenchSettings
    {
        [CommandOption("--runs <N>")]
        [Description("Timed forwards per configuration after one warm-up. Default 2.")]
        public int Runs { get; init; } = 2;

        public override ValidationResult Validate() =>
            base.Validate() is { Successful: false } failed ? failed
            : Runs < 1 ? ValidationResult.Error("--runs must be at least 1")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        settings.ApplyThreads();
        var on = ModuleDevice.Cpu;
        BenchOutput.Line($"{BenchOutput.TorchSetup(on)}, {settings.Size}x{settings.Size}, batch {settings.Batch}");
        var config = UnetConfig.StableDiffusion15();
        manual_seed(0);
        using var unet = new UnetModel(config, on);
        using var controlA = new ControlNetModel(config, on);
        using var controlB = new ControlNetModel(config, on);
        long controlParameters = controlA.parameters().Sum(p => p.numel());
        BenchOutput.Line($"ControlNet parameters {controlParameters / 1e6:F1} M each");

        long h = settings.LatentSide;
        using var x = randn(settings.Batch, config.InChannels, h, h);
        using var t = tensor(Enumerable.Range(0, settings.Batch).Select(i => 999f - 500 * i).ToArray());
        using var ctx = randn(settings.Batch, 77, config.ContextDim);
        using var hint = rand(1, 3, settings.Size, settings.Size);
        var units = new[] { new ControlNetUnit(controlA, hint, 1.0), new ControlNetUnit(controlB, hint, 0.6) };

        double Time(int count)
        {
            var active = units.Take(count).ToList();
            void Forward()
            {
                using var scope = NewDisposeScope();
                var control = MultiControlNet.Residuals(active, x, t, ctx);
                unet.Forward(x, t, ctx, control);
            }
            Forward();
            var times = new List<double>();
            for (int i = 0; i < settings.Runs; i++)
            {
                var watch = Stopwatch.StartNew();
                Forward();
                times.Add(watch.Elapsed.TotalSeconds);
            }
            return times.Min();
        }

        double plain = Time(0);
        BenchOutput.Line($"UNet, no ControlNet: {plain * 1000:F0} ms (best of {settings.Runs})");
        for (int count = 1; count <= 2; count++)
        {
            double seconds = Time(count);
            BenchOutput.Line($"UNet + {count} ControlNet{(count > 1 ? "s" : "")}: {seconds * 1000:F0} ms ({seconds / plain:F2}x the plain UNet)");
        }
        return 0;
    }
}
