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
/// Speed of the full-size SD1.5 or SDXL UNet (random weights) against the machine's own fp32 matmul rate and its FMA peak
/// (<see cref="FmaPeak"/>), plus the VAE decoder and peak memory. The last lines are <c>ratio R</c> = UNet GFLOP/s / matmul
/// GFLOP/s and <c>peak P</c> = UNet GFLOP/s / FMA peak GFLOP/s.
/// </summary>
public sealed class BenchUnetCommand : Command<BenchUnetCommand.Settings>, IBenchCommand
{
    public static string Name => "unet";
    public static string Description => "Full-size SD1.5 (or SDXL) UNet forward GFLOP/s against an fp32 matmul and the FMA peak, VAE decoder time, peak memory.";

    public sealed class Settings : UnetBenchSettings
    {
        [CommandOption("--model <MODEL>")]
        [Description("Which UNet: sd15 (v1-inference.yaml, default) or sdxl (sd_xl_base.yaml: 2.6 G parameters, context 2048, label_emb over a 2816-wide vector).")]
        public string Model { get; init; } = "sd15";

        [CommandOption("--runs <N>")]
        [Description("Timed UNet forwards after one warm-up. Default 3.")]
        public int Runs { get; init; } = 3;

        [CommandOption("--vae-size <PIXELS>")]
        [Description("VAE decoder output side in pixels; 0 skips it. Default 512.")]
        public int VaeSize { get; init; } = 512;

        [CommandOption("--profile")]
        [Description("After the timed forwards, one more forward timed per kind of operation (see UnetProfile).")]
        public bool Profile { get; init; }

        [CommandOption("--check-float64")]
        [Description("Last of all, the max-abs difference of the UNet's eps from a float64 run of the same weights (needs 3x the UNet's memory).")]
        public bool CheckFloat64 { get; init; }

        [CommandOption("--matmul <N>")]
        [Description("Side of the square fp32 matmul used as the reference rate. Default 2048.")]
        public int MatmulSide { get; init; } = 2048;

        [CommandOption("--dtype <DTYPE>")]
        [Description("Also run the UNet in bf16 or fp16, interleaved with fp32 in this run: s/forward of each and the speed-up.")]
        public string? Dtype { get; init; }

        public override ValidationResult Validate() =>
            base.Validate() is { Successful: false } failed ? failed
            : Model is not ("sd15" or "sdxl") ? ValidationResult.Error("--model must be sd15 or sdxl")
            : Runs < 1 ? ValidationResult.Error("--runs must be at least 1")
            : VaeSize < 0 || VaeSize % 8 != 0 ? ValidationResult.Error("--vae-size must be 0 or a multiple of 8")
            : MatmulSide < 256 ? ValidationResult.Error("--matmul must be at least 256")
            : Dtype is not (null or "bf16" or "fp16") ? ValidationResult.Error("--dtype must be bf16 or fp16 (fp32 always runs)")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        settings.ApplyThreads();
        var on = settings.Compute;
        BenchOutput.Line(BenchOutput.TorchSetup(on));

        BenchOutput.Line($"RSS at start {ProcessMemory.ResidentBytes() / 1e9:F3} GB");
        var config = settings.Model == "sdxl" ? UnetConfig.StableDiffusionXL() : UnetConfig.StableDiffusion15();
        BenchOutput.Line($"model {settings.Model}");
        manual_seed(0);
        using var unet = new UnetModel(config, on);
        long unetBytes = unet.parameters().Sum(p => p.numel() * p.ElementSize);
        BenchOutput.Line($"RSS after building the UNet {ProcessMemory.ResidentBytes() / 1e9:F3} GB");
        BenchOutput.Line($"unet parameters {unetBytes / 4 / 1e6:F1} M, weights {unetBytes / 1e9:F3} GB");

        long h = settings.LatentSide;
        using var x = randn([settings.Batch, config.InChannels, h, h], on.DType, on.Device);
        using var t = tensor(Enumerable.Range(0, settings.Batch).Select(i => 999L - 500 * i).ToArray(), device: on.Device);
        using var ctx = randn([settings.Batch, 77, config.ContextDim], on.DType, on.Device);
        using var y = config.AdmInChannels > 0 ? randn([settings.Batch, config.AdmInChannels], on.DType, on.Device) : null;
        double flops = Diffusion.Pipelines.NetworkFlops.Unet(config, settings.Batch, h, h, 77);

        var warmup = Stopwatch.StartNew();
        using (unet.Forward(x, t, ctx, y: y)) { }
        BenchTiming.Synchronize(on.Device);
        BenchOutput.Line($"unet warm-up forward {warmup.Elapsed.TotalSeconds:F2} s; RSS high-water mark so far {ProcessMemory.PeakResidentBytes() / 1e9:F3} GB");
        MatmulRate.Measure(settings.MatmulSide, on.Device, on.DType); // warm-up

        // The machine may be shared: each UNet forward is bracketed by matmul and FMA-peak measurements so all rates see the
        // same load, and process CPU time is reported beside wall time.
        var unetWall = new List<double>();
        var unetCpu = new List<double>();
        var matmulWall = new List<double>();
        var matmulCpu = new List<double>();
        var fmaPeak = new List<double>();
        int threads = get_num_threads();
        void Matmul()
        {
            var (wall, cpu) = MatmulRate.Measure(settings.MatmulSide, on.Device, on.DType);
            matmulWall.Add(wall);
            matmulCpu.Add(cpu);
            fmaPeak.Add(FmaPeak.Measure(threads));
        }
        Matmul();
        for (int i = 0; i < settings.Runs; i++)
        {
            var (wall, cpu) = BenchTiming.WallAndCpuSeconds(() =>
            {
                using (unet.Forward(x, t, ctx, y: y)) { }
                BenchTiming.Synchronize(on.Device);
            });
            unetWall.Add(wall);
            unetCpu.Add(cpu);
            Matmul();
        }
        double unetSeconds = unetWall.Average();
        double unetRate = flops / unetSeconds / 1e9;
        double matmulRate = matmulWall.Average();
        double peakRate = fmaPeak.Average();
        BenchOutput.Line($"unet {settings.Size}x{settings.Size} (latent {h}x{h}) batch {settings.Batch}: " +
            $"{unetSeconds:F3} s/forward (mean of {settings.Runs}; all: {Joined(unetWall, "F3")}), process CPU {unetCpu.Average():F2} s/forward");
        BenchOutput.Line($"unet {flops / 1e9:F1} GFLOP/forward, {unetRate:F1} GFLOP/s wall, " +
            $"{flops / unetCpu.Average() / 1e9 * threads:F1} GFLOP/s per {threads} busy CPUs");
        BenchOutput.Line($"matmul {(on.DType == ScalarType.Float16 ? "fp16" : "fp32")} {settings.MatmulSide}^3: {matmulRate:F1} GFLOP/s wall (all: {Joined(matmulWall, "F1")}), " +
            $"{matmulCpu.Average() * threads:F1} GFLOP/s per {threads} busy CPUs");
        BenchOutput.Line($"fma peak fp32 ({FmaPeak.VectorWidth} FMA, {threads} threads): {peakRate:F1} GFLOP/s (all: {Joined(fmaPeak, "F1")})");
        BenchOutput.Line($"ratio by CPU time {flops / unetCpu.Average() / 1e9 / matmulCpu.Average():F2}");
        if (settings.Dtype is { } reduced)
            BenchUnetDtype.Run(unet, Commands.RenderGenerators.ResolveDtype(reduced, on.Device), x, t, ctx, settings.Runs, y);

        if (settings.Profile) UnetProfile.Run(unet, x, t, ctx, y);

        long vaeBytes = 0;
        if (settings.VaeSize > 0)
        {
            using var vae = new AutoencoderKL(VaeConfig.StableDiffusion, on);
            vaeBytes = vae.parameters().Sum(p => p.numel() * p.ElementSize);
            long zh = settings.VaeSize / 8;
            using (var small = randn([1, 4, 8, 8], on.DType, on.Device)) using (vae.Decode(small)) { }
            using var z = randn([1, 4, zh, zh], on.DType, on.Device);
            BenchTiming.Synchronize(on.Device);
            var sw = Stopwatch.StartNew();
            using (vae.Decode(z)) { }
            BenchTiming.Synchronize(on.Device);
            BenchOutput.Line($"vae decoder {settings.VaeSize}x{settings.VaeSize}: {sw.Elapsed.TotalSeconds:F2} s (weights {vaeBytes / 1e6:F0} MB)");
        }

        long peak = ProcessMemory.PeakResidentBytes();
        double weights = unetBytes + vaeBytes;
        BenchOutput.Line($"peak memory (process RSS high-water mark) {peak / 1e9:F3} GB = {peak / weights:F2}x the weights ({weights / 1e9:F3} GB UNet + VAE)");
        BenchOutput.Line($"ratio {unetRate / matmulRate:F2}");
        if (settings.CheckFloat64) UnetFloat64Check.Run(unet, x, t, ctx, y);
        BenchOutput.Line($"peak {unetRate / peakRate:F2}");
        return 0;
    }

    private static string Joined(IEnumerable<double> values, string format) =>
        string.Join(" ", values.Select(v => v.ToString(format, System.Globalization.CultureInfo.InvariantCulture)));
}
