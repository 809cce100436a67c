using System.Globalization;
using VideoLoopback.Video.Loopback;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands;

/// <summary>
/// The <c>--device</c> of render and img2img: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>; by default CUDA when libtorch sees a
/// CUDA device, else the CPU. The choice is said in one line. Not asking for a device and getting the CPU is normal on a
/// machine without an NVIDIA GPU; with one present (its driver loaded) it most likely means a CPU-only build, which the user
/// would not expect, so that case also gets a warning.
/// </summary>
public static class DeviceChoice
{
    /// <summary>What the machine offers: CUDA devices libtorch can use, and whether an NVIDIA driver sees a GPU at all.</summary>
    public sealed record Machine(int CudaDevices, bool NvidiaGpuPresent, string? GpuName)
    {
        public static Machine Current()
        {
            int count = cuda.is_available() ? cuda.device_count() : 0;
            var gpus = NvidiaGpus();
            // The driver lists GPUs in PCI order, CUDA by speed: a name is only certain with a single GPU.
            return new Machine(count, gpus.Count > 0, gpus.Count == 1 && count == 1 ? gpus[0] : null);
        }

        /// <summary>The models the NVIDIA driver reports (Linux: /proc/driver/nvidia/gpus/*/information).</summary>
        private static List<string> NvidiaGpus()
        {
            const string root = "/proc/driver/nvidia/gpus";
            try
            {
                if (!Directory.Exists(root)) return [];
                return Directory.GetDirectories(root).Select(d => Path.Combine(d, "information")).Where(File.Exists)
                    .Select(f => File.ReadLines(f).FirstOrDefault(l => l.StartsWith("Model:", StringComparison.Ordinal))?[6..].Trim() ?? "NVIDIA GPU")
                    .ToList();
            }
            catch (IOException) { return []; }
            catch (UnauthorizedAccessException) { return []; }
        }
    }

    /// <summary>The chosen device, the line that says so, and a warning line (or null).</summary>
    public sealed record Choice(Device Device, string Line, string? Warning);

    public static Choice Select(string? requested) => Select(requested, Machine.Current());

    public static Choice Select(string? requested, Machine machine)
    {
        switch (requested?.Trim().ToLowerInvariant())
        {
            case null:
                if (machine.CudaDevices > 0) return Cuda(0, machine);
                return new Choice(CPU, "device: cpu (no CUDA device; --device cuda to require one)", machine.NvidiaGpuPresent
                    ? "Warning: an NVIDIA GPU is present but libtorch sees no CUDA device (a CPU-only build, or a driver too old for "
                      + "its CUDA): running on the CPU, many times slower. README, GPU, says how to build for CUDA; --device cpu silences this."
                    : null);
            case "cpu":
                return new Choice(CPU, "device: cpu", null);
            case "cuda":
                return machine.CudaDevices > 0 ? Cuda(0, machine) : throw NoCuda("cuda", machine);
            case { } name when name.StartsWith("cuda:", StringComparison.Ordinal)
                && int.TryParse(name[5..], NumberStyles.None, CultureInfo.InvariantCulture, out int index):
                if (machine.CudaDevices == 0) throw NoCuda(name, machine);
                return index < machine.CudaDevices ? Cuda(index, machine)
                    : throw new JobException($"--device {name}: there are {machine.CudaDevices} CUDA device(s), numbered from 0");
            default:
                throw new JobException($"--device '{requested}' is unknown, expected cpu, cuda or cuda:N");
        }
    }

    private static Choice Cuda(int index, Machine machine)
    {
        var what = machine.GpuName ?? $"{machine.CudaDevices} CUDA device(s)";
        return new Choice(new Device(TorchSharp.DeviceType.CUDA, index), $"device: cuda:{index} ({what})", null);
    }

    private static JobException NoCuda(string name, Machine machine) => new(machine.NvidiaGpuPresent
        ? $"--device {name}: an NVIDIA GPU is present but libtorch sees no CUDA device (a CPU-only build, or a driver too old for its CUDA); README, GPU, says how to build for CUDA"
        : $"--device {name}: no CUDA device is available");
}
