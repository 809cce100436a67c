using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Safetensors;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>
/// <c>videoloopback bench load</c>: writes a large fp16 safetensors file, then times a plain sequential read
/// of it and loading every tensor into torch tensors with <see cref="SafetensorsFile"/>, each in a fresh
/// process so that its peak RSS (VmHWM) is its own. With root the page cache is dropped before the cold
/// runs; warm runs follow.
/// </summary>
public sealed class BenchLoadCommand(IAnsiConsole console) : Command<BenchLoadCommand.Settings>, IBenchCommand
{
    public static string Name => "load";
    public static string Description => "Time and peak RSS of loading a ~2 GB fp16 safetensors file next to a plain sequential read.";

    private const int ReadBufferBytes = 4 << 20;
    private const string ResultMarker = "BENCH-RESULT";

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--size-gb")]
        [Description("Size of the test file in GB (10^9 bytes).")]
        [DefaultValue(2.0)]
        public double SizeGb { get; init; } = 2.0;

        [CommandOption("--phase", IsHidden = true)]
        [Description("Internal: run one measured phase (read|read-fresh|load) on --file in this process.")]
        public string? Phase { get; init; }

        [CommandOption("--file", IsHidden = true)]
        public string? File { get; init; }

        public override ValidationResult Validate() =>
            SizeGb is > 0 and <= 64 ? ValidationResult.Success() : ValidationResult.Error("--size-gb must be in (0, 64]");
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Phase is not null) return RunPhase(settings.Phase, settings.File ?? "");

        var folder = Directory.CreateTempSubdirectory("videoloopback-bench-");
        try
        {
            var path = Path.Combine(folder.FullName, "bench-fp16.safetensors");
            var written = Stopwatch.StartNew();
            int tensorCount = WriteTestFile(path, (long)(settings.SizeGb * 1e9));
            written.Stop();
            long size = new FileInfo(path).Length;
            console.MarkupLine($"file: {Markup.Escape(path)}: {size / 1e9:F2} GB, {tensorCount} fp16 tensors (written in {written.Elapsed.TotalSeconds:F1} s)");

            bool cold = PageCache.TryDrop();
            console.MarkupLine(cold
                ? "page cache: dropped before each cold run"
                : "page cache: could not be dropped (needs root): every run is warm");

            var runs = new List<(string Phase, string Cache, PhaseResult Result)>();
            foreach (var cache in cold ? new[] { "cold", "warm" } : ["warm"])
            {
                foreach (var phase in new[] { "read", "read-fresh", "load" })
                {
                    if (cache == "cold") PageCache.TryDrop();
                    runs.Add((phase, cache, RunChild(phase, path)));
                }
            }

            var table = new Table().AddColumns("phase", "cache", "seconds", "GB/s", "peak RSS (GB)", "RSS growth (GB)");
            foreach (var (phase, cache, r) in runs)
                table.AddRow(Describe(phase), cache,
                    r.Seconds.ToString("F2"), (size / 1e9 / r.Seconds).ToString("F2"),
                    (r.PeakRss / 1e9).ToString("F2"), ((r.PeakRss - r.BaselineRss) / 1e9).ToString("F2"));
            console.Write(table);

            foreach (var cache in runs.Select(r => r.Cache).Distinct())
            {
                var read = runs.Single(r => r.Cache == cache && r.Phase == "read").Result;
                var fresh = runs.Single(r => r.Cache == cache && r.Phase == "read-fresh").Result;
                var load = runs.Single(r => r.Cache == cache && r.Phase == "load").Result;
                console.MarkupLine($"{cache}: load/read time {load.Seconds / read.Seconds:F2}x (goal <= 1.5x), " +
                                   $"load/read-into-fresh-memory time {load.Seconds / fresh.Seconds:F2}x; " +
                                   $"load peak RSS / file size {(double)load.PeakRss / size:F2}x (goal <= 1.2x), " +
                                   $"RSS growth / file size {(double)(load.PeakRss - load.BaselineRss) / size:F2}x");
            }
            return 0;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static string Describe(string phase) => phase switch
    {
        "read" => "plain read (4 MiB buffer)",
        "read-fresh" => "read into fresh memory",
        _ => "load all tensors (SafetensorsFile)",
    };

    /// <summary>SD-like fp16 tensor shapes, repeated until the file reaches <paramref name="targetBytes"/>.</summary>
    private static int WriteTestFile(string path, long targetBytes)
    {
        long[][] shapes = [[1280, 1280], [640, 640, 3, 3], [1280], [5120, 1280], [320], [1280, 1280, 3, 3], [2560, 640], [77, 768]];
        using var scope = NewDisposeScope();
        var generator = new Generator(1234);
        // One random tensor per shape, written under many names: the file is large, the memory to write it is not.
        var samples = shapes.Select(s => randn(s, generator: generator).to(ScalarType.Float16)).ToArray();
        var items = new List<KeyValuePair<string, Tensor>>();
        long total = 0;
        for (int i = 0; total < targetBytes; i++)
        {
            var tensor = samples[i % samples.Length];
            items.Add(new($"bench.block_{i / samples.Length}.tensor_{i % samples.Length}.weight", tensor));
            total += tensor.numel() * 2;
        }
        SafetensorsWriter.Write(path, items);
        return items.Count;
    }

    private sealed record PhaseResult(double Seconds, long PeakRss, long BaselineRss);

    /// <summary>Runs one phase in a fresh copy of this program, so VmHWM measures that phase alone.</summary>
    private static PhaseResult RunChild(string phase, string path)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, UseShellExecute = false };
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find this program's path");
        start.FileName = self;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            start.ArgumentList.Add(typeof(BenchLoadCommand).Assembly.Location);
        foreach (var arg in new[] { "bench", "load", "--phase", phase, "--file", path }) start.ArgumentList.Add(arg);

        using var child = Process.Start(start) ?? throw new InvalidOperationException("cannot start the benchmark child process");
        var output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(ResultMarker, StringComparison.Ordinal));
        if (child.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"benchmark phase '{phase}' failed (exit code {child.ExitCode}): {output}");
        var fields = line.Split(' ').Skip(1).Select(f => f.Split('=')).ToDictionary(f => f[0], f => f[1]);
        return new PhaseResult(double.Parse(fields["seconds"], CultureInfo.InvariantCulture),
            long.Parse(fields["peak"], CultureInfo.InvariantCulture), long.Parse(fields["baseline"], CultureInfo.InvariantCulture));
    }

    private static int RunPhase(string phase, string path)
    {
        double seconds;
        long baseline;
        if (phase == "read")
        {
            baseline = ProcessMemory.ResidentBytes();
            var buffer = new byte[ReadBufferBytes];
            var clock = Stopwatch.StartNew();
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
                while (stream.Read(buffer, 0, buffer.Length) > 0) { }
            seconds = clock.Elapsed.TotalSeconds;
        }
        else if (phase == "read-fresh")
        {
            // The floor for any loader that copies: the same read, but into newly allocated memory the
            // size of the file (each new page costs a first-touch fault), as loaded tensors need.
            baseline = ProcessMemory.ResidentBytes();
            var clock = Stopwatch.StartNew();
            long length = new FileInfo(path).Length;
            unsafe
            {
                var memory = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)length);
                try
                {
                    using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
                    for (long done = 0; done < length;)
                    {
                        int n = stream.Read(new Span<byte>(memory + done, (int)Math.Min(ReadBufferBytes, length - done)));
                        if (n == 0) break;
                        done += n;
                    }
                    seconds = clock.Elapsed.TotalSeconds;
                }
                finally
                {
                    System.Runtime.InteropServices.NativeMemory.Free(memory);
                }
            }
        }
        else if (phase == "load")
        {
            // Start libtorch before the clock: its one-off start-up is not part of loading a file.
            using (var warmUp = zeros(1)) { }
            baseline = ProcessMemory.ResidentBytes();
            var clock = Stopwatch.StartNew();
            using var file = StateDictFile.Open(path);
            var tensors = file.LoadAll();
            seconds = clock.Elapsed.TotalSeconds;
            GC.KeepAlive(tensors);
            foreach (var t in tensors.Values) t.Dispose();
        }
        else
        {
            throw new ArgumentException($"--phase must be read, read-fresh or load, not '{phase}'");
        }
        long peak = ProcessMemory.PeakResidentBytes();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ResultMarker} seconds={seconds:R} peak={peak} baseline={baseline}"));
        return 0;
    }
}
