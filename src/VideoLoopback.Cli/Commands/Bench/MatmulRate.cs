using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>The machine's own dense matmul rate, the reference the network benchmarks are measured against.</summary>
public static class MatmulRate
{
    private const int Repeats = 3;

    /// <summary>
    /// GFLOP/s of <see cref="Repeats"/> n x n x n matmuls in a row on random matrices: by wall time, and by this
    /// process's CPU time. The first call in a process also pays for warming up the kernels.
    /// </summary>
    public static (double Wall, double Cpu) Measure(int n, Device device, ScalarType dtype)
    {
        using var a = randn([n, n], dtype: dtype, device: device);
        using var b = randn([n, n], dtype: dtype, device: device);
        BenchTiming.Synchronize(device);
        var (wall, cpu) = BenchTiming.WallAndCpuSeconds(() =>
        {
            for (int i = 0; i < Repeats; i++)
                using (matmul(a, b)) { }
            BenchTiming.Synchronize(device);
        });
        double work = 2.0 * n * n * n * Repeats / 1e9;
        return (work / wall, work / cpu);
    }
}
