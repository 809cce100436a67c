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
/// <c>videoloopback bench load</c>: writes a large fp16 safetensors file, then times a plain sequential read of it, reads
/// into fresh memory (the floor of any loader that copies, with 4 KiB and with huge pages), the former memory-mapped
/// loader, and loading every tensor in its own dtype with <see cref="StateDictFile"/>, each in a fresh process so that its
/// peak RSS (VmHWM) is its own. With root the page cache is dropped before the cold runs; warm runs follow. The last line,
/// <c>load R rss S</c>, gives the warm load time over the warm plain read and the load's peak RSS growth over the file size.
/// </summary>
public sealed class BenchLoadCommand(IAnsiConsole console) : Command<BenchLoadCommand.Settings>, IBenchCommand
{
    public static string Name => "load";
    public static string Description => "Time and peak RSS of loading a ~2 GB fp16 safetensors file next to a plain sequential read.";

    private const int ReadBufferBytes = 4 << 20;
    private const string ResultMarker = "BENCH-RESULT";

    /// <summary>
    /// Pause between phases. Memory a finished phase freed is cheap to touch again for a moment (on virtual machines the
    /// host still backs it until the guest reports it free, after about two seconds), which would flatter the next phase.
    /// </summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    private static readonly string[] Phases = ["read", "read-fresh", "read-fresh-huge", "load-mapped", "load"];

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--size-gb")]
        [Description("Size of the test file in GB (10^9 bytes).")]
        [DefaultValue(2.0)]
        public double SizeGb { get; init; } = 2.0;

        [CommandOption("--warm-only")]
        [Description("Skip the cold-cache runs (they need root to drop the page cache and take as long again).")]
        public bool WarmOnly { get; init; }

        [CommandOption("--phase", IsHidden = true)]
        [Description("Internal: run one measured phase (read|read-fresh|read-fresh-huge|load-mapped|load) on --file in this process.")]
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

            bool cold = !settings.WarmOnly && PageCache.TryDrop();
            console.MarkupLine(cold
                ? "page cache: dropped before each cold run"
                : settings.WarmOnly ? "page cache: warm runs only" : "page cache: could not be dropped (needs root): every run is warm");

            var runs = new List<(string Phase, string Cache, PhaseResult Result)>();
            foreach (var cache in cold ? new[] { "cold", "warm" } : ["warm"])
            {
                // A warm run starts from a cache the plain read filled, whatever ran before it.
                if (cache == "warm") RunChild("read", path);
                foreach (var phase in Phases)
                {
                    Thread.Sleep(Settle);
                    if (cache == "cold") PageCache.TryDrop();
                    runs.Add((phase, cache, RunChild(phase, path)));
                }
            }

            var table = new Table().AddColumns("phase", "cache", "seconds", "GB/s", "peak RSS (GB)", "RSS growth (GB)",
                "page faults", "huge pages (GB)");
            foreach (var (phase, cache, r) in runs)
                table.AddRow(Describe(phase), cache,
                    r.Seconds.ToString("F2"), (size / 1e9 / r.Seconds).ToString("F2"),
                    (r.PeakRss / 1e9).ToString("F2"), ((r.PeakRss - r.BaselineRss) / 1e9).ToString("F2"),
                    r.PageFaults.ToString(CultureInfo.InvariantCulture), (r.HugePageBytes / 1e9).ToString("F2"));
            console.Write(table);

            foreach (var cache in runs.Select(r => r.Cache).Distinct())
            {
                PhaseResult Of(string phase) => runs.Single(r => r.Cache == cache && r.Phase == phase).Result;
                var (read, fresh, huge, mapped, load) = (Of("read"), Of("read-fresh"), Of("read-fresh-huge"), Of("load-mapped"), Of("load"));
                console.MarkupLine($"{cache}: load/read time {load.Seconds / read.Seconds:F2}x (goal <= 1.5x), " +
                                   $"load/read-into-fresh-memory {load.Seconds / fresh.Seconds:F2}x (huge pages: {load.Seconds / huge.Seconds:F2}x), " +
                                   $"load/mapped-load {load.Seconds / mapped.Seconds:F2}x; " +
                                   $"RSS growth / file size {(double)(load.PeakRss - load.BaselineRss) / size:F2}x (goal <= 1.2x)");
            }
            var warm = runs.Single(r => r.Cache == "warm" && r.Phase == "load").Result;
            var warmRead = runs.Single(r => r.Cache == "warm" && r.Phase == "read").Result;
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"load {warm.Seconds / warmRead.Seconds:F2} rss {(double)(warm.PeakRss - warm.BaselineRss) / size:F2}"));
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
        "read-fresh-huge" => "read into fresh huge pages",
        "load-mapped" => "load via memory map (former)",
        _ => "load all tensors (StateDictFile)",
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

    private sealed record PhaseResult(double Seconds, long PeakRss, long BaselineRss, long PageFaults, long HugePageBytes);

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
        long Field(string name) => long.Parse(fields[name], CultureInfo.InvariantCulture);
        return new PhaseResult(double.Parse(fields["seconds"], CultureInfo.InvariantCulture),
            Field("peak"), Field("baseline"), Field("faults"), Field("huge"));
    }

    private static int RunPhase(string phase, string path)
    {
        // Start libtorch before the clock in every phase: its one-off start-up is not part of reading a file.
        using (var warmUp = zeros(1)) { }
        long baseline = ProcessMemory.ResidentBytes();
        long faultsBefore = ProcessMemory.MinorFaults();
        var clock = Stopwatch.StartNew();
        var kept = new List<Tensor>();
        switch (phase)
        {
            case "read":
                var buffer = new byte[ReadBufferBytes];
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
                    while (stream.Read(buffer, 0, buffer.Length) > 0) { }
                break;
            case "read-fresh":
            case "read-fresh-huge":
                // The floor for any loader that copies: the same read, into newly allocated memory the size of the file,
                // every new page costing a first-touch fault, as loaded tensors need.
                long length = new FileInfo(path).Length;
                var memory = phase == "read-fresh" ? empty(length, ScalarType.Byte) : HugePages.Empty([length], ScalarType.Byte);
                kept.Add(memory);
                using (var reader = TensorFileReader.Open(path, (problem, cause) => new IOException(problem, cause)))
                    reader.ReadBytes(0, memory);
                break;
            case "load-mapped":
                kept.AddRange(MappedLoad(path));
                break;
            case "load":
                using (var file = StateDictFile.Open(path))
                    kept.AddRange(file.LoadAll().Values);
                break;
            default:
                throw new ArgumentException($"--phase must be one of {string.Join(", ", Phases)}, not '{phase}'");
        }
        double seconds = clock.Elapsed.TotalSeconds;
        long faults = ProcessMemory.MinorFaults() - faultsBefore;
        long huge = ProcessMemory.AnonHugePageBytes();
        foreach (var t in kept) t.Dispose();
        long peak = ProcessMemory.PeakResidentBytes();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{ResultMarker} seconds={seconds:R} peak={peak} baseline={baseline} faults={faults} huge={huge}"));
        return 0;
    }

    /// <summary>
    /// The loader this engine had before, kept here as the benchmark's reference: the file memory-mapped, each tensor
    /// copied from a view of the mapping into a new tensor.
    /// </summary>
    private static unsafe List<Tensor> MappedLoad(string path)
    {
        var tensors = new List<Tensor>();
        using var header = SafetensorsFile.Open(path);
        using var mapping = System.IO.MemoryMappedFiles.MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0,
            System.IO.MemoryMappedFiles.MemoryMappedFileAccess.Read);
        foreach (var entry in header.Entries)
        {
            var tensor = empty(entry.Shape, entry.DType.ToScalarType());
            tensors.Add(tensor);
            if (entry.ByteLength == 0) continue;
            using var view = mapping.CreateViewAccessor(header.DataOffset + entry.Begin, entry.ByteLength,
                System.IO.MemoryMappedFiles.MemoryMappedFileAccess.Read);
            byte* source = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref source);
            try
            {
                fixed (byte* target = tensor.bytes)
                    Buffer.MemoryCopy(source + view.PointerOffset, target, entry.ByteLength, entry.ByteLength);
            }
            finally
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
            }
        }
        return tensors;
    }
}
