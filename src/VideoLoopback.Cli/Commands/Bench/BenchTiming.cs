using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>Timing of benchmark steps: warm-up, device synchronisation, wall and process CPU time.</summary>
public static class BenchTiming
{
    /// <summary>
    /// Mean wall seconds of <paramref name="run"/> over <paramref name="repeat"/> calls after one untimed warm-up call.
    /// Each call runs in its own dispose scope; queued device work is waited for before and after the timed calls.
    /// </summary>
    public static double MeanSeconds(Action run, int repeat, Device device)
    {
        using (NewDisposeScope()) run();
        Synchronize(device);
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < repeat; i++)
            using (NewDisposeScope()) run();
        Synchronize(device);
        return watch.Elapsed.TotalSeconds / repeat;
    }

    /// <summary>Wall seconds and this process's CPU seconds (all threads) of one call of <paramref name="run"/>.</summary>
    public static (double Wall, double Cpu) WallAndCpuSeconds(Action run)
    {
        using var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        run();
        double wall = watch.Elapsed.TotalSeconds;
        self.Refresh();
        return (wall, (self.TotalProcessorTime - cpuBefore).TotalSeconds);
    }

    /// <summary>Waits for the queued work of a CUDA device; nothing to wait for on the CPU.</summary>
    public static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) cuda.synchronize();
    }
}
