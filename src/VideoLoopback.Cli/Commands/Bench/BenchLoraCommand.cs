using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Diffusion.Unet;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>
/// Merge and un-merge of a kohya LoRA (every UNet attention/feed-forward/proj linear and every text-encoder attention/MLP linear)
/// over the full-size SD1.5 UNet and CLIP-L text encoder, all with random weights.
/// </summary>
public sealed class BenchLoraCommand : Command<BenchLoraCommand.Settings>, IBenchCommand
{
    public static string Name => "lora";
    public static string Description => "Merge and exact un-merge of a rank-32 LoRA over the full-size SD1.5 UNet and text encoder (random weights).";

    public sealed class Settings : TorchBenchSettings
    {
        [CommandOption("--rank <R>")]
        [Description("LoRA rank. Default 32.")]
        public int Rank { get; init; } = 32;

        [CommandOption("--runs <N>")]
        [Description("Timed merge/un-merge cycles after the first merge. Default 3.")]
        public int Runs { get; init; } = 3;

        public override ValidationResult Validate() =>
            base.Validate() is { Successful: false } failed ? failed
            : Rank < 1 ? ValidationResult.Error("--rank must be at least 1")
            : Runs < 1 ? ValidationResult.Error("--runs must be at least 1")
            : ValidationResult.Success();
    }

    /// <summary>kohya module names of a plain SD1.x LoRA (192 UNet + 12 layers x 6 text-encoder modules).</summary>
    private static IEnumerable<string> PlainLoraModules(int textLayers)
    {
        string[] attention = ["proj_in", "proj_out", "transformer_blocks_0_ff_net_0_proj", "transformer_blocks_0_ff_net_2",
            .. from a in new[] { "attn1", "attn2" } from p in new[] { "to_q", "to_k", "to_v", "to_out_0" } select $"transformer_blocks_0_{a}_{p}"];
        var blocks = new List<string>();
        for (int i = 0; i < 3; i++) for (int j = 0; j < 2; j++) blocks.Add($"lora_unet_down_blocks_{i}_attentions_{j}");
        blocks.Add("lora_unet_mid_block_attentions_0");
        for (int i = 1; i < 4; i++) for (int j = 0; j < 3; j++) blocks.Add($"lora_unet_up_blocks_{i}_attentions_{j}");
        foreach (var block in blocks) foreach (var part in attention) yield return $"{block}_{part}";
        for (int l = 0; l < textLayers; l++)
            foreach (var part in new[] { "self_attn_q_proj", "self_attn_k_proj", "self_attn_v_proj", "self_attn_out_proj", "mlp_fc1", "mlp_fc2" })
                yield return $"lora_te_text_model_encoder_layers_{l}_{part}";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        settings.ApplyThreads();
        var on = ModuleDevice.Cpu;
        BenchOutput.Line($"{BenchOutput.TorchSetup(on)}, rank {settings.Rank}");
        manual_seed(0);
        using var unet = new UnetModel(UnetConfig.StableDiffusion15(), on);
        var clipConfig = ClipTextConfig.ClipL;
        var clipWeights = RandomClipWeights.Create(clipConfig, on.Device, on.DType);
        using var clip = ClipTextModel.FromTensors(clipWeights, clipConfig, on.Device, on.DType);
        foreach (var w in clipWeights.Values) w.Dispose();

        var shapes = unet.named_parameters().ToDictionary(p => KohyaLoraNames.UnetKeyPrefix + p.name, p => p.parameter.shape);
        foreach (var (name, p) in clip.named_parameters()) shapes[KohyaLoraNames.TextEncoderKeyPrefix + name] = p.shape;
        var tensors = new Dictionary<string, Tensor>();
        long loraParameters = 0;
        foreach (var module in PlainLoraModules(clipConfig.LayerCount))
        {
            var shape = shapes[KohyaLoraNames.ToLdmWeightKeyFromKohya(module)!];
            long fanIn = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            tensors[module + ".lora_down.weight"] = randn(settings.Rank, fanIn) / Math.Sqrt(fanIn);
            tensors[module + ".lora_up.weight"] = randn(shape[0], settings.Rank) * 0.01;
            tensors[module + ".alpha"] = tensor(settings.Rank / 2.0f);
            loraParameters += settings.Rank * (fanIn + shape[0]);
        }
        using var network = LoraNetwork.FromTensors($"random rank-{settings.Rank} LoRA", tensors);
        foreach (var t in tensors.Values) t.Dispose();
        BenchOutput.Line($"LoRA: {network.Modules.Count} modules, {loraParameters / 1e6:F2} M parameters");

        using var merger = new LoraMerger(unet, clip);
        var watch = Stopwatch.StartNew();
        merger.Apply([new LoraActivation(network, 0.8, 0.8)]);
        BenchOutput.Line($"first merge (keeps {merger.BackedUpWeights} original weights aside): {watch.Elapsed.TotalMilliseconds:F0} ms");

        var merges = new List<double>();
        var unmerges = new List<double>();
        for (int run = 0; run < settings.Runs; run++)
        {
            watch.Restart();
            merger.Apply([]);
            unmerges.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            merger.Apply([new LoraActivation(network, 0.8 - 0.1 * run, 0.8)]);
            merges.Add(watch.Elapsed.TotalMilliseconds);
        }
        BenchOutput.Line($"merge (restore + add): median {Median(merges):F0} ms over {merges.Count} runs [{string.Join(", ", merges.Select(m => m.ToString("F0", CultureInfo.InvariantCulture)))}]");
        BenchOutput.Line($"un-merge (exact restore): median {Median(unmerges):F0} ms over {unmerges.Count} runs [{string.Join(", ", unmerges.Select(m => m.ToString("F0", CultureInfo.InvariantCulture)))}]");
        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
