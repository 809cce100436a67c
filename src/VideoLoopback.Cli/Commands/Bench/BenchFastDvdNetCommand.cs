using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using VideoLoopback.Video.FastDvdNet;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>
/// Times the FastDVDNet post-process on random frames and shows that its working memory does not grow
/// with the number of frames (peak resident memory above the input and output frame stores).
/// </summary>
public sealed class BenchFastDvdNetCommand : Command<BenchFastDvdNetCommand.Settings>, IBenchCommand
{
    public static string Name => "fastdvdnet";
    public static string Description => "FastDVDNet post-process: time per frame and peak working memory for several frame counts.";

    public sealed class Settings : DeviceBenchSettings
    {
        [CommandOption("--frames <LIST>")]
        [Description("Comma-separated frame counts to run (default 64,512).")]
        public string Frames { get; init; } = "64,512";

        [CommandOption("--size <N>")]
        [Description("Frame width and height in pixels (default 256).")]
        public int Size { get; init; } = 256;

        [CommandOption("--weights <PATH>")]
        [Description("FastDVDNet weights (.pth or .safetensors); random weights when omitted (same cost).")]
        public string? Weights { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var counts = settings.Frames.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        var device = settings.TorchDevice;
        settings.ApplyThreads();
        var model = settings.Weights is null ? new FastDvdNetModel() : FastDvdNetWeights.Load(FastDvdNetWeights.Locate(settings.Weights), device);
        model.to(device);
        using var post = new FastDvdNetPostProcess(model);

        BenchOutput.Line($"FastDVDNet post-process, {settings.Size}x{settings.Size} RGB, device {device}, threads {torch.get_num_threads()}, " +
                         $"{settings.Weights ?? "random weights"}");
        BenchOutput.Line($"frames | total s | ms/frame | frame stores MiB | peak working MiB (RSS above the stores)");
        foreach (var count in counts)
        {
            using var scope = NewDisposeScope();
            var frames = randint(0, 256, [count, 3, settings.Size, settings.Size], ScalarType.Byte, device);
            var generator = new Generator(1234, device);
            GC.Collect();
            var before = ProcessMemory.ResidentBytes();
            ProcessMemory.TryResetPeak();
            var clock = Stopwatch.StartNew();
            var output = post.Apply(frames, 30, 0.5, generator);
            var seconds = clock.Elapsed.TotalSeconds;
            var stores = 2.0 * frames.NumberOfElements;  // input + output uint8 frames
            var working = ProcessMemory.PeakResidentBytes() - before - frames.NumberOfElements; // output store is allocated inside Apply
            // One line per run, printed as soon as it finishes: long runs show progress.
            BenchOutput.Line($"{count} | {seconds:F1} | {1000 * seconds / count:F0} | {stores / (1 << 20):F0} | {working / (double)(1 << 20):F0}");
            output.Dispose();
        }
        BenchOutput.Line($"Peak working memory is measured on the CPU backend (VmHWM reset before each run).");
        return 0;
    }
}
