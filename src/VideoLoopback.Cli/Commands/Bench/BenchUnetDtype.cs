using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Unet;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>
/// <c>bench unet --dtype bf16|fp16</c>: the same UNet in float32 and in the reduced dtype (the float32 weights rounded),
/// forwards interleaved so both see the same machine load; s/forward of each, the speed-up, and how far the reduced
/// eps lies from float32 against <see cref="ReducedPrecisionTolerance"/>'s relative error for this UNet.
/// </summary>
public static class BenchUnetDtype
{
    public static void Run(UnetModel fp32, ScalarType dtype, Tensor x, Tensor t, Tensor ctx, int runs, Tensor? y = null)
    {
        string name = ComputePrecision.OptionName(dtype);
        using var reduced = new UnetModel(fp32.Config, new ModuleDevice(fp32.On.Device, dtype));
        NetworkCopy.Parameters(fp32, reduced);
        using var eps32 = fp32.Forward(x, t, ctx, y: y);
        using var epsReduced = reduced.Forward(x, t, ctx, y: y); // also the warm-up

        // Interleaved, so a change of machine load hits both; on a shared machine the fastest run (least disturbed) and the
        // process CPU time are steadier than the mean wall time, so all three are given.
        var fp32Runs = new List<(double Wall, double Cpu)>();
        var reducedRuns = new List<(double Wall, double Cpu)>();
        for (int i = 0; i < runs; i++)
        {
            fp32Runs.Add(BenchTiming.WallAndCpuSeconds(() => { using (fp32.Forward(x, t, ctx, y: y)) { } }));
            reducedRuns.Add(BenchTiming.WallAndCpuSeconds(() => { using (reduced.Forward(x, t, ctx, y: y)) { } }));
        }
        BenchOutput.Line($"unet {name}: {reducedRuns.Average(r => r.Wall):F3} s/forward (all: {Joined(reducedRuns.Select(r => r.Wall))}), process CPU {reducedRuns.Average(r => r.Cpu):F2} s/forward");
        BenchOutput.Line($"unet fp32: {fp32Runs.Average(r => r.Wall):F3} s/forward (all: {Joined(fp32Runs.Select(r => r.Wall))}), process CPU {fp32Runs.Average(r => r.Cpu):F2} s/forward, interleaved with {name} in this run");

        using var diff = (epsReduced - eps32).square().mean().sqrt() / eps32.square().mean().sqrt();
        var model = ReducedPrecisionTolerance.For(reduced, dtype, fp32.On.Device, eps32);
        BenchOutput.Line($"unet {name} eps rms relative difference from fp32 {diff.item<float>():E2} (error model: {model.RelativeError:E2})");
        BenchOutput.Line($"speed-up {name} over fp32: {fp32Runs.Min(r => r.Wall) / reducedRuns.Min(r => r.Wall):F2}x fastest run, " +
            $"{fp32Runs.Average(r => r.Wall) / reducedRuns.Average(r => r.Wall):F2}x mean wall, {fp32Runs.Average(r => r.Cpu) / reducedRuns.Average(r => r.Cpu):F2}x CPU time");
    }

    private static string Joined(IEnumerable<double> values) =>
        string.Join(" ", values.Select(v => v.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)));
}
