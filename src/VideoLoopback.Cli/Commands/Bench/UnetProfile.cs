using System.Globalization;
using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Unet;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>
/// Where a UNet forward spends its time, by kind of operation: convolutions (3×3, 1×1), linear layers, GroupNorm (with
/// its fused SiLU), LayerNorm, timed around each module call; the attention core (softmax(q kᵀ) v), timed by replaying
/// the forward's attention shapes; and the rest (element-wise work, activations, layout copies, concatenations,
/// resampling) as the remainder. Token linears that run through <see cref="TokenLinear"/> call no module, so they and the
/// attention core they feed count in the remainder. CPU only: the operations are synchronous there, so a clock around a call times it.
/// </summary>
public static class UnetProfile
{
    private sealed class Kind
    {
        public int Calls;
        public double Seconds;
        public double Flops;
    }

    public static void Run(UnetModel unet, Tensor x, Tensor t, Tensor context, Tensor? y = null)
    {
        var kinds = new SortedDictionary<string, Kind>();
        var attentionShapes = new List<(long[] Q, long[] Kv)>();
        var hooks = new List<Action>();
        var clock = new Stopwatch();
        void Add(string kind, double seconds, double flops)
        {
            if (!kinds.TryGetValue(kind, out var k)) kinds[kind] = k = new Kind();
            k.Calls++;
            k.Seconds += seconds;
            k.Flops += flops;
        }
        long[]? pendingQuery = null;
        var seen = new HashSet<nn.Module>(ReferenceEqualityComparer.Instance);
        foreach (var (name, module) in unet.named_modules())
        {
            // A module registered under two names (a slot list and its parent) is listed twice: hook it once.
            if (module is not nn.Module<Tensor, Tensor> leaf || !seen.Add(module)) continue;
            Func<Tensor, Tensor, (string, double)>? classify = module switch
            {
                Conv2d conv => (input, output) => ($"conv {conv.kernel_size[0]}x{conv.kernel_size[1]}",
                    2.0 * output.numel() * conv.in_channels / conv.groups * conv.kernel_size[0] * conv.kernel_size[1]),
                Linear linear => (input, output) => ("linear", 2.0 * output.numel() * input.shape[^1]),
                GroupNorm32 => (_, _) => ("groupnorm (+silu)", 0),
                LayerNorm => (_, _) => ("layernorm", 0),
                _ => null,
            };
            if (classify is null) continue;
            bool isQuery = name.EndsWith(".to_q"), isKey = name.EndsWith(".to_k");
            var before = leaf.register_forward_pre_hook((_, input) =>
            {
                clock.Restart();
                return input;
            });
            hooks.Add(() => before.remove());
            var after = leaf.register_forward_hook((_, input, output) =>
            {
                double seconds = clock.Elapsed.TotalSeconds;
                var (kind, flops) = classify(input, output);
                Add(kind, seconds, flops);
                if (isQuery) pendingQuery = output.shape;
                if (isKey && pendingQuery is not null) attentionShapes.Add((pendingQuery, output.shape));
                return output;
            });
            hooks.Add(() => after.remove());
        }

        double total;
        try
        {
            var watch = Stopwatch.StartNew();
            using (NewDisposeScope()) unet.Forward(x, t, context, y: y);
            total = watch.Elapsed.TotalSeconds;
        }
        finally
        {
            foreach (var remove in hooks) remove();
        }

        long heads = unet.Config.NumHeads;
        foreach (var (q, kv) in attentionShapes)
        {
            using var scope = NewDisposeScope();
            var query = randn(q);
            var key = randn(kv);
            var value = randn(kv);
            var watch = Stopwatch.StartNew();
            Attention.MultiHead(query, key, value, heads);
            Add("attention core", watch.Elapsed.TotalSeconds, 2.0 * 2 * q[0] * q[1] * kv[1] * q[2]);
        }

        double counted = kinds.Values.Sum(k => k.Seconds);
        BenchOutput.Line($"profile of one unet forward: {total:F3} s");
        foreach (var (kind, k) in kinds.OrderByDescending(p => p.Value.Seconds))
        {
            string rate = k.Flops > 0
                ? string.Create(CultureInfo.InvariantCulture, $" {k.Flops / 1e9,7:F1} GFLOP {k.Flops / k.Seconds / 1e9,6:F1} GFLOP/s")
                : "";
            BenchOutput.Line(string.Create(CultureInfo.InvariantCulture,
                $"  {kind,-20} {k.Calls,4} calls {k.Seconds,7:F3} s {100 * k.Seconds / total,5:F1}%{rate}"));
        }
        BenchOutput.Line(string.Create(CultureInfo.InvariantCulture,
            $"  {"rest",-20}            {total - counted,7:F3} s {100 * (total - counted) / total,5:F1}% (element-wise, activations, layout copies, cat, resampling)"));
    }
}
