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
public sealed class BenchFastDvdNetCommand : Command<BenchFastDvdNetCommand.Settings>
{
    public sealed class Settings : CommandSettings
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

        [CommandOption("--device <DEVICE>")]
        [Description("cpu or cuda (default cpu).")]
        public string Device { get; init; } = "cpu";

        [CommandOption("--threads <N>")]
        [Description("Torch intra-op threads (default: torch's choice).")]
        public int Threads { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var counts = settings.Frames.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        var device = torch.device(settings.Device);
        if (settings.Threads > 0) torch.set_num_threads(settings.Threads);
        var model = settings.Weights is null ? new FastDvdNetModel() : FastDvdNetWeights.Load(FastDvdNetWeights.Locate(settings.Weights), device);
        model.to(device);
        using var post = new FastDvdNetPostProcess(model);

        AnsiConsole.MarkupLine($"FastDVDNet post-process, {settings.Size}x{settings.Size} RGB, device {device}, threads {torch.get_num_threads()}, " +
                               $"{(settings.Weights is null ? "random weights" : Markup.Escape(settings.Weights))}");
        AnsiConsole.MarkupLine("frames | total s | ms/frame | frame stores MiB | peak working MiB (RSS above the stores)");
        foreach (var count in counts)
        {
            using var scope = NewDisposeScope();
            var frames = randint(0, 256, [count, 3, settings.Size, settings.Size], ScalarType.Byte, device);
            var generator = new Generator(1234, device);
            GC.Collect();
            var before = ResidentBytes();
            ResetPeakResident();
            var clock = Stopwatch.StartNew();
            var output = post.Apply(frames, 30, 0.5, generator);
            var seconds = clock.Elapsed.TotalSeconds;
            var stores = 2.0 * frames.NumberOfElements;  // input + output uint8 frames
            var working = PeakResidentBytes() - before - frames.NumberOfElements; // output store is allocated inside Apply
            // One line per run, printed as soon as it finishes: long runs show progress.
            AnsiConsole.MarkupLine($"{count} | {seconds:F1} | {1000 * seconds / count:F0} | {stores / (1 << 20):F0} | {working / (double)(1 << 20):F0}");
            output.Dispose();
        }
        AnsiConsole.MarkupLine("Peak working memory is measured on the CPU backend (VmHWM reset before each run).");
        return 0;
    }

    private static long ResidentBytes() => StatusKilobytes("VmRSS:") * 1024;
    private static long PeakResidentBytes() => StatusKilobytes("VmHWM:") * 1024;

    // Writing 5 to clear_refs resets the peak resident size (VmHWM) of this process.
    private static void ResetPeakResident()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static long StatusKilobytes(string field)
    {
        if (!File.Exists("/proc/self/status")) return 0;
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0]);
    }
}
