using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;
using VideoLoopback.Diffusion.Text;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>
/// Speed of the text side: the CLIP tokenizer, a full-size CLIP-L text encoder with random weights
/// (seconds per 77-token chunk and achieved GFLOP/s against a large matmul measured in the same run),
/// and the prompt conditioner with and without its cache.
/// </summary>
public sealed class BenchTextCommand : Command<BenchTextCommand.Settings>, IBenchCommand
{
    public static string Name => "text";
    public static string Description => "CLIP tokenizer, full-size CLIP-L text encoder (random weights) and prompt conditioner.";

    public sealed class Settings : DeviceBenchSettings
    {
        [CommandOption("--batch")]
        [Description("Prompts encoded together (2 = a prompt and its negative). Default 2.")]
        [DefaultValue(2)]
        public int Batch { get; init; } = 2;

        [CommandOption("--iterations")]
        [Description("Timed text-encoder forwards after one warm-up. Default 5.")]
        [DefaultValue(5)]
        public int Iterations { get; init; } = 5;

        [CommandOption("--fp16")]
        [Description("Compute in float16 (CUDA).")]
        public bool Half { get; init; }

        public override ValidationResult Validate()
        {
            if (Batch < 1) return ValidationResult.Error("--batch must be at least 1");
            if (Iterations < 1) return ValidationResult.Error("--iterations must be at least 1");
            return base.Validate();
        }
    }

    private const int MatmulSide = 2048;

    private static readonly string[] SamplePrompts =
    [
        "masterpiece, best quality, (detailed face:1.2), 1girl, looking at viewer, café",
        "a beautiful landscape painting of a mountain lake at sunrise, highly detailed, dramatic lighting",
        "lowres, bad anatomy, bad hands, text, error, missing fingers, extra digit, fewer digits, cropped",
        "city at night, neon lights, rain, reflections BREAK portrait of a woman, (blue eyes:1.2)",
        "photorealistic, 8k uhd, dslr, soft lighting, high quality, film grain, Fujifilm XT3",
    ];

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.TorchDevice;
        var dtype = settings.Half ? ScalarType.Float16 : ScalarType.Float32;
        settings.ApplyThreads();
        BenchOutput.Line($"device {device.type}, {get_num_threads()} threads, compute {dtype}");

        BenchTokenizer();

        var config = ClipTextConfig.ClipL;
        var weights = RandomClipWeights.Create(config, device, dtype);
        double weightBytes = weights.Values.Sum(t => t.numel() * t.element_size());
        using var model = ClipTextModel.FromTensors(weights, config, device, dtype);
        foreach (var t in weights.Values) t.Dispose();
        BenchOutput.Line($"CLIP-L text encoder: {config.LayerCount} layers, width {config.HiddenSize}, weights {weightBytes / (1 << 20):F0} MiB");

        var ids = randint(0, 49406, [settings.Batch, PromptChunk.PaddedLength], dtype: ScalarType.Int64, device: device);
        double seconds = BenchTiming.MeanSeconds(() => model.Encode(ids), settings.Iterations, device);
        double flops = ForwardFlops(config, settings.Batch, PromptChunk.PaddedLength);
        double gflops = flops / seconds / 1e9;
        MatmulRate.Measure(MatmulSide, device, dtype); // warm-up
        double matmulGflops = MatmulRate.Measure(MatmulSide, device, dtype).Wall;
        BenchOutput.Line($"text encoder [B={settings.Batch},77]: {seconds * 1000:F1} ms per forward, {gflops:F1} GFLOP/s ({flops / 1e9:F2} GFLOP)");
        BenchOutput.Line($"matmul {MatmulSide}x{MatmulSide}x{MatmulSide}: {matmulGflops:F1} GFLOP/s");

        using var conditioner = new PromptConditioner(model);
        var prompts = Enumerable.Range(0, settings.Batch).Select(i => SamplePrompts[i % SamplePrompts.Length]).ToList();
        var watch = Stopwatch.StartNew();
        using (NewDisposeScope()) conditioner.GetMultiCondLearnedConditioning(prompts, 20);
        double cold = watch.Elapsed.TotalSeconds;
        watch.Restart();
        using (NewDisposeScope()) conditioner.GetMultiCondLearnedConditioning(prompts, 20);
        double warm = watch.Elapsed.TotalSeconds;
        BenchOutput.Line($"conditioner, {prompts.Count} prompts, 20 steps: first {cold * 1000:F1} ms, cached {warm * 1000:F3} ms");
        BenchOutput.Line($"ratio {gflops / matmulGflops:F2}");
        return 0;
    }

    private static void BenchTokenizer()
    {
        var watch = Stopwatch.StartNew();
        var tokenizer = ClipTokenizer.Default;
        double load = watch.Elapsed.TotalSeconds;
        // Distinct words every round so the BPE word cache does not flatter the figure.
        var texts = Enumerable.Range(0, 200).Select(i => $"{SamplePrompts[i % SamplePrompts.Length]} variant{i}x{i * 7919 % 1000}").ToList();
        int tokens = 0;
        watch.Restart();
        foreach (var text in texts) tokens += tokenizer.Encode(text).Length;
        double seconds = watch.Elapsed.TotalSeconds;
        BenchOutput.Line($"tokenizer: vocabulary load {load * 1000:F0} ms; {texts.Count / seconds:F0} prompts/s, {tokens / seconds:F0} tokens/s");
    }

    /// <summary>Multiply-adds x2 of the linears and the two attention matmuls; norms and activations are not counted.</summary>
    private static double ForwardFlops(ClipTextConfig c, int batch, int tokens)
    {
        double t = tokens, h = c.HiddenSize, i = c.IntermediateSize;
        double perLayer = 2 * t * h * h * 4 + 2 * t * t * h * 2 + 2 * t * h * i * 2;
        return batch * perLayer * c.LayerCount;
    }
}
