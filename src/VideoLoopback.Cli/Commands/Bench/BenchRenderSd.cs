using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Diffusion.Unet;
using VideoLoopback.Diffusion.Vae;
using VideoLoopback.Video.Ffmpeg;
using VideoLoopback.Video.Generation;
using VideoLoopback.Video.Loopback;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>
/// <c>bench render --sd</c>: the loopback engine with the Stable Diffusion generator over a full-size SD1.5 with
/// random weights (loop_n 2, denoising 0.3). The last line, <c>overhead P% peak Q</c>, gives the share of wall time spent
/// outside the UNet, VAE and CLIP forwards (orchestration, sampling arithmetic, noise, blends and I/O) and the networks'
/// FLOPs (<see cref="NetworkFlops"/>) over the wall time at this process's FMA peak (<see cref="FmaPeak"/>).
/// </summary>
public static class BenchRenderSd
{
    public static int Run(int frames, int steps, int size, ModuleDevice on, CancellationToken cancellation)
    {
        var folder = Directory.CreateTempSubdirectory("vl-bench-render-sd-");
        try
        {
            var video = Path.Combine(folder.FullName, "input.mkv");
            FfmpegTool.Run("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", $"testsrc=size={size}x{size}:rate=30",
                "-frames:v", frames.ToString(CultureInfo.InvariantCulture), "-c:v", "ffv1", video);
            var build = Stopwatch.StartNew();
            manual_seed(0);
            using var generator = new StableDiffusionFrameGenerator(StableDiffusionModel.FromNetworks("random-sd15",
                new UnetModel(UnetConfig.StableDiffusion15(), on), new AutoencoderKL(VaeConfig.StableDiffusion, on),
                ClipTextModel.FromTensors(RandomClipWeights(ClipTextConfig.ClipL), ClipTextConfig.ClipL, on.Device, on.DType), on));
            build.Stop();
            var model = generator.Model;
            var job = new JobSpec
            {
                InputDir = video, OutputDir = Path.Combine(folder.FullName, "out"), Width = size, Height = size, LoopN = 2,
                Steps = steps, DenoisingStrength = 0.3, Seed = 1, Subseed = 2, FixSeed = false, Prompt = "a watercolor landscape",
                NegativePrompt = "blurry", SamplerName = "Euler a",
            };
            var engine = new LoopbackEngine(job, generator, ScheduleCompilers.Default, on.Device);
            using var self = Process.GetCurrentProcess();
            int threads = get_num_threads();
            double peakBefore = FmaPeak.Measure(threads);
            var forwardBefore = model.ForwardTime;
            var perNetworkBefore = Enum.GetValues<ModelNetwork>().ToDictionary(n => n, n => (model.Forwards.Time(n), model.Forwards.Flops(n)));
            var clock = Stopwatch.StartNew();
            var result = engine.Run(new RenderOptions { EncodeVideos = false }, cancellation);
            clock.Stop();
            self.Refresh();
            double peak = (peakBefore + FmaPeak.Measure(threads)) / 2;
            double seconds = clock.Elapsed.TotalSeconds;
            double forwards = (model.ForwardTime - forwardBefore).TotalSeconds;
            double networkFlops = 0;
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench render --sd: SD1.5 random weights ({on.DType}, built in {build.Elapsed.TotalSeconds:F1} s), {frames} frames {size}x{size}, loop_n 2, {steps} steps, denoising 0.3, Euler a, CFG with a negative prompt, device {on.Device.type}, {get_num_threads()} torch thread(s)"));
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"frames rendered  {result.FramesRendered} in {seconds:F2} s"));
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"frames/s         {result.FramesRendered / seconds:F3}"));
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"network forwards {forwards:F2} s (UNet, VAE, CLIP)"));
            foreach (var network in Enum.GetValues<ModelNetwork>())
            {
                var (timeBefore, flopsBefore) = perNetworkBefore[network];
                double time = (model.Forwards.Time(network) - timeBefore).TotalSeconds;
                double flops = model.Forwards.Flops(network) - flopsBefore;
                networkFlops += flops;
                AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {network,-4} forwards {time,7:F2} s = {100 * time / seconds,5:F1}% of wall, {flops / 1e9,8:F1} GFLOP, {(time > 0 ? flops / time / 1e9 : 0),6:F1} GFLOP/s"));
            }
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fma peak fp32    {peak:F1} GFLOP/s ({FmaPeak.VectorWidth} FMA, {threads} threads, before and after the render)"));
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak memory      {self.PeakWorkingSet64 / (1024.0 * 1024.0):F0} MiB (process peak working set)"));
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"overhead {100 * (seconds - forwards) / seconds:F1}% peak {networkFlops / 1e9 / seconds / peak:F2}"));
            return 0;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Layer norms at identity, the rest small: activations stay in a realistic range.</summary>
    private static Dictionary<string, Tensor> RandomClipWeights(ClipTextConfig config)
    {
        using var generator = new Generator(1234, CPU);
        var weights = new Dictionary<string, Tensor>();
        foreach (var (key, shape) in config.ParameterShapes())
            weights[key] = key.Contains("layer_norm") && key.EndsWith(".weight")
                ? ones(shape)
                : randn(shape, generator: generator) * 0.02;
        return weights;
    }
}
