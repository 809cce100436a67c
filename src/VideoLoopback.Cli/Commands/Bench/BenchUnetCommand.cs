using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Unet;
using VideoLoopback.Diffusion.Vae;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>
/// Speed of the full-size SD1.5 UNet (random weights) against the machine's own fp32 matmul rate, plus the VAE decoder
/// and peak memory. The last line is <c>ratio R</c> = UNet GFLOP/s / matmul GFLOP/s.
/// </summary>
public sealed class BenchUnetCommand : Command<BenchUnetCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--size <PIXELS>")]
        [Description("Image side in pixels (latent = size/8). Default 256.")]
        public int Size { get; init; } = 256;

        [CommandOption("--batch <N>")]
        [Description("UNet batch (2 = one CFG pair). Default 2.")]
        public int Batch { get; init; } = 2;

        [CommandOption("--runs <N>")]
        [Description("Timed UNet forwards after one warm-up. Default 3.")]
        public int Runs { get; init; } = 3;

        [CommandOption("--vae-size <PIXELS>")]
        [Description("VAE decoder output side in pixels; 0 skips it. Default 512.")]
        public int VaeSize { get; init; } = 512;

        [CommandOption("--matmul <N>")]
        [Description("Side of the square fp32 matmul used as the reference rate. Default 2048.")]
        public int MatmulSide { get; init; } = 2048;

        public override ValidationResult Validate() =>
            Size < 64 || Size % 8 != 0 ? ValidationResult.Error("--size must be a multiple of 8, at least 64")
            : Batch < 1 ? ValidationResult.Error("--batch must be at least 1")
            : Runs < 1 ? ValidationResult.Error("--runs must be at least 1")
            : VaeSize < 0 || VaeSize % 8 != 0 ? ValidationResult.Error("--vae-size must be 0 or a multiple of 8")
            : MatmulSide < 256 ? ValidationResult.Error("--matmul must be at least 256")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var on = ModuleDevice.Cpu;
        Console.WriteLine($"torch threads {get_num_threads()}, device {on.Device}, dtype {on.DType}");

        Console.WriteLine($"RSS at start {CurrentResidentBytes() / 1e9:F3} GB");
        var config = UnetConfig.StableDiffusion15();
        manual_seed(0);
        using var unet = new UnetModel(config, on);
        long unetBytes = unet.parameters().Sum(p => p.numel() * p.ElementSize);
        Console.WriteLine($"RSS after building the UNet {CurrentResidentBytes() / 1e9:F3} GB");
        Console.WriteLine($"unet parameters {unetBytes / 4 / 1e6:F1} M, weights {unetBytes / 1e9:F3} GB");

        long h = settings.Size / 8;
        using var x = randn(settings.Batch, config.InChannels, h, h);
        using var t = tensor(Enumerable.Range(0, settings.Batch).Select(i => 999L - 500 * i).ToArray());
        using var ctx = randn(settings.Batch, 77, config.ContextDim);
        double flops = UnetFlops.Count(config, settings.Batch, h, h, 77);

        var warmup = Stopwatch.StartNew();
        using (unet.Forward(x, t, ctx)) { }
        Console.WriteLine($"unet warm-up forward {warmup.Elapsed.TotalSeconds:F2} s; RSS high-water mark so far {PeakResidentBytes() / 1e9:F3} GB");
        MatmulRate(settings.MatmulSide); // warm-up

        // The machine may be shared: each UNet forward is bracketed by matmul measurements so both rates see the same load,
        // and process CPU time is reported beside wall time.
        var unetWall = new List<double>();
        var unetCpu = new List<double>();
        var matmulWall = new List<double>();
        var matmulCpu = new List<double>();
        void Matmul()
        {
            var (wall, cpu) = MatmulRate(settings.MatmulSide);
            matmulWall.Add(wall);
            matmulCpu.Add(cpu);
        }
        Matmul();
        for (int i = 0; i < settings.Runs; i++)
        {
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            using (unet.Forward(x, t, ctx)) { }
            unetWall.Add(sw.Elapsed.TotalSeconds);
            unetCpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds);
            Matmul();
        }
        double unetSeconds = unetWall.Average();
        double unetRate = flops / unetSeconds / 1e9;
        double matmulRate = matmulWall.Average();
        int threads = get_num_threads();
        Console.WriteLine($"unet {settings.Size}x{settings.Size} (latent {h}x{h}) batch {settings.Batch}: " +
            $"{unetSeconds:F3} s/forward (mean of {settings.Runs}; all: {string.Join(" ", unetWall.Select(s => s.ToString("F3")))}), " +
            $"process CPU {unetCpu.Average():F2} s/forward");
        Console.WriteLine($"unet {flops / 1e9:F1} GFLOP/forward, {unetRate:F1} GFLOP/s wall, " +
            $"{flops / unetCpu.Average() / 1e9 * threads:F1} GFLOP/s per {threads} busy CPUs");
        Console.WriteLine($"matmul fp32 {settings.MatmulSide}^3: {matmulRate:F1} GFLOP/s wall (all: {string.Join(" ", matmulWall.Select(r => r.ToString("F1")))}), " +
            $"{matmulCpu.Average() * threads:F1} GFLOP/s per {threads} busy CPUs");
        Console.WriteLine($"ratio by CPU time {flops / unetCpu.Average() / 1e9 / matmulCpu.Average():F2}");

        long vaeBytes = 0;
        if (settings.VaeSize > 0)
        {
            using var vae = new AutoencoderKL(VaeConfig.StableDiffusion, on);
            vaeBytes = vae.parameters().Sum(p => p.numel() * p.ElementSize);
            long zh = settings.VaeSize / 8;
            using (var small = randn(1, 4, 8, 8)) using (vae.Decode(small)) { }
            using var z = randn(1, 4, zh, zh);
            var sw = Stopwatch.StartNew();
            using (vae.Decode(z)) { }
            Console.WriteLine($"vae decoder {settings.VaeSize}x{settings.VaeSize}: {sw.Elapsed.TotalSeconds:F2} s (weights {vaeBytes / 1e6:F0} MB)");
        }

        long peak = PeakResidentBytes();
        double weights = unetBytes + vaeBytes;
        Console.WriteLine($"peak memory (process RSS high-water mark) {peak / 1e9:F3} GB = {peak / weights:F2}x the weights ({weights / 1e9:F3} GB UNet + VAE)");
        Console.WriteLine($"ratio {unetRate / matmulRate:F2}");
        return 0;
    }

    /// <summary>GFLOP/s of n x n x n fp32 matmuls (3 in a row): by wall time, and by process CPU time.</summary>
    private static (double Wall, double Cpu) MatmulRate(int n)
    {
        const int repeats = 3;
        using var a = randn(n, n);
        using var b = randn(n, n);
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < repeats; i++)
            using (matmul(a, b)) { }
        double wall = sw.Elapsed.TotalSeconds;
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        double work = 2.0 * n * n * n * repeats / 1e9;
        return (work / wall, work / cpu);
    }

    private static long CurrentResidentBytes()
    {
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    /// <summary>VmHWM from /proc/self/status (Linux); the working set elsewhere.</summary>
    private static long PeakResidentBytes()
    {
        const string status = "/proc/self/status";
        if (File.Exists(status))
            foreach (var line in File.ReadLines(status))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return Process.GetCurrentProcess().PeakWorkingSet64;
    }
}
