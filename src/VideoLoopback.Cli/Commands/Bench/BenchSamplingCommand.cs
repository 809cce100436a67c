using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;
using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Sampling.Noise;
using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>
/// `videoloopback bench sampling`: the sampling machinery's own cost, without a UNet — each sampler
/// over a cheap synthetic denoiser at SD latent size, and the noise sources — plus the live-tensor
/// count before and after, which must not grow with the number of steps.
/// </summary>
public sealed class BenchSamplingCommand : Command<BenchSamplingCommand.Settings>, IBenchCommand
{
    public static string Name => "sampling";
    public static string Description => "Samplers over a synthetic denoiser and the noise sources, with live-tensor counts.";

    public sealed class Settings : DeviceBenchSettings
    {
        [CommandOption("--steps")]
        [Description("Sampler steps per run (default 30).")]
        public int Steps { get; init; } = 30;

        [CommandOption("--batch")]
        [Description("Latent batch size (default 1).")]
        public int Batch { get; init; } = 1;

        [CommandOption("--size")]
        [Description("Latent height and width (default 64, i.e. 512 px).")]
        public int Size { get; init; } = 64;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Steps < 1) throw new CommandLineException("--steps must be ≥ 1");
        settings.ApplyThreads();
        var device = settings.TorchDevice;
        long[] shape = [settings.Batch, 4, settings.Size, settings.Size];
        using var noise = new ImageNoise([4, settings.Size, settings.Size],
            Enumerable.Range(0, settings.Batch).Select(i => 1234UL + (ulong)i).ToArray(), RandnSource.Cpu, device);
        Tensor Denoiser(Tensor x, Tensor sigma) => x / (1 + sigma.reshape(-1, 1, 1, 1).square()) + 0.1 * x.tanh();

        var table = new Table().AddColumns("sampler", "steps", "model calls", "ms total", "ms / call", "live tensors before → after");
        foreach (var sampler in SamplerRegistry.All.Where(s => !s.IsTimestepSampler))
        {
            using var scope = NewDisposeScope();
            var sigmas = sampler.GetSigmas(settings.Steps, Scheduler.Automatic, DiscreteSchedule.Sd15);
            var x = randn(shape, device: device) * sigmas[0];
            int calls = 0;
            var ctx = new SamplerContext((xi, s) => { calls++; return Denoiser(xi, s); }, sigmas, noise.Next);
            long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            var watch = Stopwatch.StartNew();
            using (var result = sampler.Run!(ctx, x)) { _ = result.sum().item<float>(); }
            watch.Stop();
            long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            table.AddRow(sampler.Name, settings.Steps.ToString(), calls.ToString(), watch.Elapsed.TotalMilliseconds.ToString("F1"),
                (watch.Elapsed.TotalMilliseconds / Math.Max(calls, 1)).ToString("F2"), $"{before} → {after}");
        }
        // WebUI's timesteps samplers run on the eps model behind classifier-free guidance (DDIM CFG++ needs its negative rows).
        foreach (var sampler in SamplerRegistry.All.Where(s => s.IsTimestepSampler))
        {
            using var scope = NewDisposeScope();
            var text = zeros(settings.Batch, 1, 1, device: device);
            var conds = Enumerable.Range(0, settings.Batch).Select(i => (IReadOnlyList<(int, double)>)[(i, 1.0)]).ToArray();
            int calls = 0;
            using var cfg = new CfgDenoiser((xi, t, rows) => { calls++; return 0.5 * xi.tanh() + 0.1 * (t.reshape(-1, 1, 1, 1) / 1000) * xi; },
                _ => new CfgConditioning(text, conds, text), 7);
            var ctx = new TimestepSamplerContext(cfg.Denoise, Ddim.Timesteps(settings.Steps, DiscreteSchedule.Sd15), DiscreteSchedule.Sd15, noise.Next)
            {
                Guidance = cfg,
            };
            var x = randn(shape, device: device);
            long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            var watch = Stopwatch.StartNew();
            using (var result = sampler.RunTimesteps!(ctx, x)) { _ = result.sum().item<float>(); }
            watch.Stop();
            cfg.Dispose(); // releases the negative-prompt output CFG++ keeps
            long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            table.AddRow(sampler.Name + " (CFG, eps model)", settings.Steps.ToString(), calls.ToString(), watch.Elapsed.TotalMilliseconds.ToString("F1"),
                (watch.Elapsed.TotalMilliseconds / Math.Max(calls, 1)).ToString("F2"), $"{before} → {after}");
        }
        AnsiConsole.MarkupLine($"[bold]samplers[/] over a synthetic denoiser, latent [[{string.Join(",", shape)}]] on {device}");
        AnsiConsole.Write(table);

        // DPM++ SDE's step cost with WebUI's Brownian-tree noise (one tree per image seed) against plain RNG draws.
        var sdeTable = new Table().AddColumns("DPM++ SDE noise", "steps", "ms total", "ms / step", "live tensors before → after");
        var dpmSde = SamplerRegistry.Get("DPM++ SDE");
        // Two passes, the first one warming up (JIT, allocator); the second is reported.
        foreach (var (brownian, report) in new[] { (false, false), (true, false), (false, true), (true, true) })
        {
            using var scope = NewDisposeScope();
            var sigmas = dpmSde.GetSigmas(settings.Steps, Scheduler.Automatic, DiscreteSchedule.Sd15);
            var x = randn(shape, device: device) * sigmas[0];
            long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            var watch = Stopwatch.StartNew();
            using (var tree = brownian ? BrownianTreeNoiseSampler.For(x, sigmas, noise.Seeds, RandnSource.Cpu) : null)
            using (var result = dpmSde.Run!(new SamplerContext(Denoiser, sigmas, noise.Next) { NoiseSampler = tree?.AsNoiseSampler() }, x))
                _ = result.sum().item<float>();
            watch.Stop();
            long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            if (report) sdeTable.AddRow(brownian ? "Brownian tree (CPU source)" : "image RNG draws", settings.Steps.ToString(),
                watch.Elapsed.TotalMilliseconds.ToString("F1"), (watch.Elapsed.TotalMilliseconds / settings.Steps).ToString("F2"), $"{before} → {after}");
        }
        AnsiConsole.Write(sdeTable);

        var noiseTable = new Table().AddColumns("source", "draw", "ms per draw");
        foreach (var source in new[] { RandnSource.Cpu, RandnSource.NV, RandnSource.Gpu })
        {
            using var scope = NewDisposeScope();
            using var rng = new ImageNoise([4, settings.Size, settings.Size], Enumerable.Range(0, settings.Batch).Select(i => 1UL + (ulong)i).ToArray(), source, device);
            rng.Next();
            var watch = Stopwatch.StartNew();
            const int draws = 20;
            for (int i = 0; i < draws; i++) rng.Next().Dispose();
            noiseTable.AddRow(source.ToWebUiName(), $"[[{string.Join(",", shape)}]]", (watch.Elapsed.TotalMilliseconds / draws).ToString("F2"));
        }
        AnsiConsole.MarkupLine("[bold]noise sources[/]");
        AnsiConsole.Write(noiseTable);
        return 0;
    }
}
