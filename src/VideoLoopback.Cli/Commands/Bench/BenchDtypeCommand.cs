using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Diffusion.Unet;
using VideoLoopback.Diffusion.Vae;
using VideoLoopback.Video.Generation;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>
/// <c>videoloopback bench dtype</c>: how far a reduced compute dtype moves the frames. The same img2img (same seed,
/// same weights: a checkpoint, or a full-size SD1.5 with random weights) runs in float32 and in bf16/fp16; the decoded
/// frames are compared as PSNR in dB against float32, for the whole img2img and for the VAE decode alone. The last line
/// is <c>psnr P</c> (dB, whole img2img).
/// </summary>
public sealed class BenchDtypeCommand : Command<BenchDtypeCommand.Settings>, IBenchCommand
{
    public static string Name => "dtype";
    public static string Description => "PSNR of bf16/fp16 frames against fp32: one img2img, same seed and weights, decoded and compared.";

    public sealed class Settings : TorchBenchSettings
    {
        [CommandOption("--dtype <DTYPE>")][Description("bf16 (default) or fp16.")]
        public string Dtype { get; init; } = "bf16";
        [CommandOption("--checkpoint <FILE>")][Description("An SD1.x checkpoint; default: full-size SD1.5 with random weights.")]
        public string? Checkpoint { get; init; }
        [CommandOption("--size <PIXELS>")][Description("Width and height (default 256).")]
        public int Size { get; init; } = 256;
        [CommandOption("--steps <N>")][Description("Sampler steps (default 10; denoising 0.5 runs half of them).")]
        public int Steps { get; init; } = 10;
        [CommandOption("--seed <N>")][Description("Seed (default 1).")]
        public ulong Seed { get; init; } = 1;

        public override ValidationResult Validate() =>
            base.Validate() is { Successful: false } failed ? failed
            : Dtype is not ("bf16" or "fp16") ? ValidationResult.Error("--dtype must be bf16 or fp16")
            : Size < 64 || Size % 8 != 0 ? ValidationResult.Error("--size must be a multiple of 8, at least 64")
            : Steps < 1 ? ValidationResult.Error("--steps must be at least 1")
            : Checkpoint is { } c && !File.Exists(c) ? ValidationResult.Error($"--checkpoint '{c}' not found")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        settings.ApplyThreads();
        var device = CPU;
        var dtype = RenderGenerators.ResolveDtype(settings.Dtype, device);
        string name = ComputePrecision.OptionName(dtype);
        BenchOutput.Line(BenchOutput.TorchSetup(new ModuleDevice(device, dtype)));
        var build = Stopwatch.StartNew();
        using var fp32 = Build(settings.Checkpoint, new ModuleDevice(device, ScalarType.Float32), null);
        using var reduced = Build(settings.Checkpoint, new ModuleDevice(device, dtype), fp32);
        BenchOutput.Line($"models: {(settings.Checkpoint is { } c ? Path.GetFileName(c) : "SD1.5 full size, random weights")}, fp32 and {name}, built in {build.Elapsed.TotalSeconds:F1} s");

        using var init = TestImage(settings.Size);
        var parameters = new Img2ImgParams
        {
            Prompt = "a watercolor landscape, mountains and a lake", NegativePrompt = "blurry", Seed = settings.Seed,
            Subseed = settings.Seed + 1, Steps = settings.Steps, Denoising = 0.5, CfgScale = 7, Sampler = "Euler a",
            Width = settings.Size, Height = settings.Size,
        };
        var frame = new Img2ImgFrame(init, parameters);
        var clock = Stopwatch.StartNew();
        using var image32 = WebUiImg2Img.Pipeline(fp32).Run([frame])[0];
        double seconds32 = clock.Elapsed.TotalSeconds;
        clock.Restart();
        using var imageReduced = WebUiImg2Img.Pipeline(reduced).Run([frame])[0];
        double secondsReduced = clock.Elapsed.TotalSeconds;
        BenchOutput.Line($"img2img {settings.Size}x{settings.Size}, {settings.Steps} steps at denoising 0.5, Euler a, CFG 7: fp32 {seconds32:F1} s, {name} {secondsReduced:F1} s");

        // The VAE alone: the float32 img2img's latent decoded by both VAEs.
        using var latent = fp32.EncodeImages((init.unsqueeze(0).to(ScalarType.Float32) / 127.5 - 1).to(device), [settings.Seed]);
        using var decoded32 = Pixels(fp32.DecodeLatents(latent));
        using var decodedReduced = Pixels(reduced.DecodeLatents(latent));
        BenchOutput.Line($"vae decode alone: PSNR {Psnr(decodedReduced, decoded32):F2} dB ({name} against fp32)");
        BenchOutput.Line($"img2img frame: PSNR {Psnr(imageReduced, image32):F2} dB ({name} against fp32), max pixel difference {MaxDifference(imageReduced, image32)}");
        BenchOutput.Line($"psnr {Psnr(imageReduced, image32):F2}");
        return 0;
    }

    /// <summary>The checkpoint in <paramref name="on"/>'s dtype, or random full-size networks (copied from <paramref name="weightsFrom"/> when given, so both hold the same values).</summary>
    private static StableDiffusionModel Build(string? checkpoint, ModuleDevice on, StableDiffusionModel? weightsFrom)
    {
        if (checkpoint is not null)
            return StableDiffusionModel.Load(checkpoint, StableDiffusionLoadOptions.ForCheckpoint(checkpoint, on));
        manual_seed(0);
        var unet = new UnetModel(UnetConfig.StableDiffusion15(), on);
        var vae = new AutoencoderKL(VaeConfig.StableDiffusion, on);
        var clip = ClipTextModel.FromTensors(RandomClipWeights.Create(ClipTextConfig.ClipL, on.Device, ScalarType.Float32), ClipTextConfig.ClipL, on.Device, on.DType);
        if (weightsFrom is not null)
        {
            NetworkCopy.Parameters(weightsFrom.Unet, unet);
            NetworkCopy.Parameters(weightsFrom.Vae, vae);
        }
        return StableDiffusionModel.FromNetworks("random-sd15", unet, vae, clip, on);
    }

    /// <summary>A smooth colour field with edges: uint8 [3,S,S].</summary>
    private static Tensor TestImage(int size)
    {
        using var scope = NewDisposeScope();
        var ramp = linspace(0, 1, size);
        var y = ramp.view(size, 1).expand(size, size);
        var x = ramp.view(1, size).expand(size, size);
        var r = (x * 255).floor();
        var g = (y * 255).floor();
        var b = ((x - 0.5).square() + (y - 0.5).square()).lt(0.09).to(ScalarType.Float32) * 200 + 30;
        return stack([r, g, b]).to(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    private static Tensor Pixels(Tensor unit) => (unit * 255).floor().clamp(0, 255).to(ScalarType.Byte);

    /// <summary>10·log10(255² / mean squared difference), over every pixel and channel.</summary>
    private static double Psnr(Tensor a, Tensor b)
    {
        using var mse = (a.to(ScalarType.Float64) - b.to(ScalarType.Float64)).square().mean();
        double m = mse.item<double>();
        return m == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / m);
    }

    private static long MaxDifference(Tensor a, Tensor b)
    {
        using var d = (a.to(ScalarType.Int32) - b.to(ScalarType.Int32)).abs().max();
        return d.item<int>();
    }
}
