using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>
/// The machine's fp32 arithmetic peak as this process can reach it: fused multiply-adds on the widest vectors the CPU
/// has (512-bit where AVX-512 is accelerated, else 256-bit, else 128-bit), with enough independent accumulators per
/// thread to cover the FMA latency on every port, on as many threads as torch computes with. The networks' GFLOP/s are
/// read against this figure: unlike a library matmul it does not depend on which kernels a BLAS picks for this CPU.
/// </summary>
public static class FmaPeak
{
    /// <summary>Accumulators per thread: FMA latency (4-5 cycles) × 2 FMA ports, rounded up.</summary>
    private const int Accumulators = 12;

    /// <summary>Loop iterations between two looks at the clock.</summary>
    private const int IterationsPerCheck = 100_000;

    /// <summary>Widest vector the FMA loop runs on, e.g. "512-bit".</summary>
    public static string VectorWidth =>
        Vector512.IsHardwareAccelerated ? "512-bit" : Vector256.IsHardwareAccelerated ? "256-bit" : "128-bit";

    /// <summary>
    /// GFLOP/s (an FMA = 2 FLOPs) of <paramref name="threads"/> threads, each pinned to its own CPU where the OS allows,
    /// running FMA chains for about <paramref name="seconds"/> after they all started.
    /// </summary>
    public static double Measure(int threads, double seconds = 0.5)
    {
        RunAll(threads, 0.02); // JIT, clocks up
        return RunAll(threads, seconds);
    }

    private static double RunAll(int threads, double seconds)
    {
        var flops = new double[threads];
        using var ready = new Barrier(threads + 1);
        var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            Pin(i);
            ready.SignalAndWait();
            flops[i] = Run(seconds);
        }) { IsBackground = true, Priority = ThreadPriority.Highest }).ToArray();
        foreach (var w in workers) w.Start();
        ready.SignalAndWait();
        var clock = Stopwatch.StartNew();
        foreach (var w in workers) w.Join();
        return flops.Sum() / clock.Elapsed.TotalSeconds / 1e9;
    }

    /// <summary>FLOPs done by one thread in about <paramref name="seconds"/>.</summary>
    private static double Run(double seconds)
    {
        int lanes = Vector512.IsHardwareAccelerated ? Vector512<float>.Count
            : Vector256.IsHardwareAccelerated ? Vector256<float>.Count : Vector128<float>.Count;
        long deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        long iterations = 0;
        float sink = 0;
        do
        {
            sink += lanes == 16 ? Chain512(IterationsPerCheck) : lanes == 8 ? Chain256(IterationsPerCheck) : Chain128(IterationsPerCheck);
            iterations += IterationsPerCheck;
        } while (Stopwatch.GetTimestamp() < deadline);
        GC.KeepAlive(sink);
        return 2.0 * Accumulators * lanes * iterations;
    }

    // acc = acc * m + a converges to a/(1-m): no overflow, no denormals, however long it runs. Twelve named locals (not an
    // array) and no call inside the loop, so the JIT keeps each accumulator in its own register for the whole chain.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chain512(int iterations)
    {
        var m = Vector512.Create(0.999f);
        var a = Vector512.Create(0.001f);
        Vector512<float> a0 = Vector512.Create(0.0f), a1 = Vector512.Create(0.1f), a2 = Vector512.Create(0.2f),
            a3 = Vector512.Create(0.3f), a4 = Vector512.Create(0.4f), a5 = Vector512.Create(0.5f), a6 = Vector512.Create(0.6f),
            a7 = Vector512.Create(0.7f), a8 = Vector512.Create(0.8f), a9 = Vector512.Create(0.9f), a10 = Vector512.Create(1.0f),
            a11 = Vector512.Create(1.1f);
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, a); a1 = Vector512.FusedMultiplyAdd(a1, m, a);
            a2 = Vector512.FusedMultiplyAdd(a2, m, a); a3 = Vector512.FusedMultiplyAdd(a3, m, a);
            a4 = Vector512.FusedMultiplyAdd(a4, m, a); a5 = Vector512.FusedMultiplyAdd(a5, m, a);
            a6 = Vector512.FusedMultiplyAdd(a6, m, a); a7 = Vector512.FusedMultiplyAdd(a7, m, a);
            a8 = Vector512.FusedMultiplyAdd(a8, m, a); a9 = Vector512.FusedMultiplyAdd(a9, m, a);
            a10 = Vector512.FusedMultiplyAdd(a10, m, a); a11 = Vector512.FusedMultiplyAdd(a11, m, a);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chain256(int iterations)
    {
        var m = Vector256.Create(0.999f);
        var a = Vector256.Create(0.001f);
        Vector256<float> a0 = Vector256.Create(0.0f), a1 = Vector256.Create(0.1f), a2 = Vector256.Create(0.2f),
            a3 = Vector256.Create(0.3f), a4 = Vector256.Create(0.4f), a5 = Vector256.Create(0.5f), a6 = Vector256.Create(0.6f),
            a7 = Vector256.Create(0.7f), a8 = Vector256.Create(0.8f), a9 = Vector256.Create(0.9f), a10 = Vector256.Create(1.0f),
            a11 = Vector256.Create(1.1f);
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, a); a1 = Vector256.FusedMultiplyAdd(a1, m, a);
            a2 = Vector256.FusedMultiplyAdd(a2, m, a); a3 = Vector256.FusedMultiplyAdd(a3, m, a);
            a4 = Vector256.FusedMultiplyAdd(a4, m, a); a5 = Vector256.FusedMultiplyAdd(a5, m, a);
            a6 = Vector256.FusedMultiplyAdd(a6, m, a); a7 = Vector256.FusedMultiplyAdd(a7, m, a);
            a8 = Vector256.FusedMultiplyAdd(a8, m, a); a9 = Vector256.FusedMultiplyAdd(a9, m, a);
            a10 = Vector256.FusedMultiplyAdd(a10, m, a); a11 = Vector256.FusedMultiplyAdd(a11, m, a);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chain128(int iterations)
    {
        var m = Vector128.Create(0.999f);
        var a = Vector128.Create(0.001f);
        Vector128<float> a0 = Vector128.Create(0.0f), a1 = Vector128.Create(0.1f), a2 = Vector128.Create(0.2f),
            a3 = Vector128.Create(0.3f), a4 = Vector128.Create(0.4f), a5 = Vector128.Create(0.5f), a6 = Vector128.Create(0.6f),
            a7 = Vector128.Create(0.7f), a8 = Vector128.Create(0.8f), a9 = Vector128.Create(0.9f), a10 = Vector128.Create(1.0f),
            a11 = Vector128.Create(1.1f);
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector128.FusedMultiplyAdd(a0, m, a); a1 = Vector128.FusedMultiplyAdd(a1, m, a);
            a2 = Vector128.FusedMultiplyAdd(a2, m, a); a3 = Vector128.FusedMultiplyAdd(a3, m, a);
            a4 = Vector128.FusedMultiplyAdd(a4, m, a); a5 = Vector128.FusedMultiplyAdd(a5, m, a);
            a6 = Vector128.FusedMultiplyAdd(a6, m, a); a7 = Vector128.FusedMultiplyAdd(a7, m, a);
            a8 = Vector128.FusedMultiplyAdd(a8, m, a); a9 = Vector128.FusedMultiplyAdd(a9, m, a);
            a10 = Vector128.FusedMultiplyAdd(a10, m, a); a11 = Vector128.FusedMultiplyAdd(a11, m, a);
        }
        return Vector128.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setaffinity(int pid, IntPtr size, ulong[] mask);

    /// <summary>Pins the calling thread to CPU <paramref name="index"/> modulo the CPU count (Linux; elsewhere nothing).</summary>
    private static void Pin(int index)
    {
        if (!OperatingSystem.IsLinux()) return;
        int cpu = index % Environment.ProcessorCount;
        var mask = new ulong[(Environment.ProcessorCount + 63) / 64];
        mask[cpu / 64] = 1UL << (cpu % 64);
        try { sched_setaffinity(0, (IntPtr)(mask.Length * sizeof(ulong)), mask); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }
}
