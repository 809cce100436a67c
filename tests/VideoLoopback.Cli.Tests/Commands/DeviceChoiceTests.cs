using VideoLoopback.Cli.Commands;
using VideoLoopback.Cli.Tests.Render;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Imaging;
using VideoLoopback.Video.Loopback;
using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Tests.Commands;

/// <summary>
/// <c>--device</c> of render and img2img: which device each request gets on machines with and without CUDA, the line that says
/// so, the warning when an NVIDIA GPU is there but unusable and nothing asked for the CPU, and one error line for a device
/// that cannot be had.
/// </summary>
public sealed class DeviceChoiceTests : IDisposable
{
    private static readonly DeviceChoice.Machine NoGpu = new(0, false, null);
    private static readonly DeviceChoice.Machine CpuBuildOnGpu = new(0, true, null);
    private static readonly DeviceChoice.Machine OneGpu = new(1, true, "NVIDIA H100 80GB HBM3");
    private static readonly DeviceChoice.Machine TwoGpus = new(2, true, null);

    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-device-");

    [Fact]
    public void DefaultIsCudaWhenThereIsOneElseTheCpuSaidPlainly()
    {
        var cpu = DeviceChoice.Select(null, NoGpu);
        Assert.Equal(DeviceType.CPU, cpu.Device.type);
        Assert.Equal("device: cpu (no CUDA device; --device cuda to require one)", cpu.Line);
        Assert.Null(cpu.Warning);

        var gpu = DeviceChoice.Select(null, OneGpu);
        Assert.Equal((DeviceType.CUDA, 0L), (gpu.Device.type, gpu.Device.index));
        Assert.Equal("device: cuda:0 (NVIDIA H100 80GB HBM3)", gpu.Line);
        Assert.Null(gpu.Warning);
        Assert.Equal("device: cuda:0 (2 CUDA device(s))", DeviceChoice.Select(null, TwoGpus).Line);
    }

    [Fact]
    public void CpuOnAMachineWithAnUnusableGpuWarnsUnlessAskedFor()
    {
        var implicitCpu = DeviceChoice.Select(null, CpuBuildOnGpu);
        Assert.Equal(DeviceType.CPU, implicitCpu.Device.type);
        Assert.NotNull(implicitCpu.Warning);
        Assert.StartsWith("Warning: an NVIDIA GPU is present but libtorch sees no CUDA device", implicitCpu.Warning);
        Assert.Contains("--device cpu silences this", implicitCpu.Warning);
        Assert.Null(DeviceChoice.Select("cpu", CpuBuildOnGpu).Warning);
        Assert.Equal("device: cpu", DeviceChoice.Select("cpu", OneGpu).Line);
        Assert.Equal(DeviceType.CPU, DeviceChoice.Select("CPU", OneGpu).Device.type);
    }

    [Fact]
    public void ExplicitCudaNeedsThatDevice()
    {
        Assert.Equal(1L, DeviceChoice.Select("cuda:1", TwoGpus).Device.index);
        Assert.Equal("device: cuda:1 (2 CUDA device(s))", DeviceChoice.Select("cuda:1", TwoGpus).Line);
        Assert.Equal("--device cuda: no CUDA device is available", Assert.Throws<JobException>(() => DeviceChoice.Select("cuda", NoGpu)).Message);
        Assert.Contains("CPU-only build", Assert.Throws<JobException>(() => DeviceChoice.Select("cuda", CpuBuildOnGpu)).Message);
        Assert.Equal("--device cuda:2: there are 2 CUDA device(s), numbered from 0",
            Assert.Throws<JobException>(() => DeviceChoice.Select("cuda:2", TwoGpus)).Message);
        foreach (var bad in new[] { "gpu", "cuda:", "cuda:-1", "cuda:x", "" })
            Assert.Equal($"--device '{bad}' is unknown, expected cpu, cuda or cuda:N",
                Assert.Throws<JobException>(() => DeviceChoice.Select(bad, TwoGpus)).Message);
    }

    /// <summary>This machine has no CUDA (the tests run on the CPU build): the commands say so and refuse a CUDA request.</summary>
    [Fact]
    public void CommandsSayTheirDeviceAndRefuseMissingCuda()
    {
        if (cuda.is_available()) return;
        var output = Path.Combine(_temp.FullName, "out");
        string[] render =
        [
            "render", "--generator", "fake", "--no-video", "--no-preview", "--input", GoldenData.Path("loopback", "inputs", "seq_rgb"),
            "--output", output, "--loop-n", "1", "--max-frames", "2", "--width", "32", "--height", "24", "--seed", "1", "--subseed", "2",
        ];
        var (code, log) = CliProcess.RunCli(render);
        Assert.True(code == 0, $"render failed ({code}): {log}");
        Assert.Contains(DeviceChoice.Select(null).Line + "\n", log);
        (code, log) = CliProcess.RunCli([.. render, "--device", "cpu"]);
        Assert.True(code == 0, $"render --device cpu failed ({code}): {log}");
        Assert.Contains("device: cpu\n", log);

        var init = Path.Combine(_temp.FullName, "init.png");
        ImageFile.Write(init, zeros([3, 16, 16], ScalarType.Byte));
        foreach (var (device, message) in new[]
        {
            ("cuda", "--device cuda: "), ("cuda:0", "--device cuda:0: "), ("npu", "--device 'npu' is unknown, expected cpu, cuda or cuda:N"),
        })
        {
            (code, log) = CliProcess.RunCli([.. render, "--device", device]);
            Assert.True(code == 1, $"render --device {device}: expected exit 1, got {code}: {log}");
            Assert.Contains("error: " + message, log);
            (code, log) = CliProcess.RunCli("img2img", "--checkpoint", "/nonexistent.safetensors", "--init", init, "--prompt", "x", "--device", device);
            Assert.True(code == 1, $"img2img --device {device}: expected exit 1, got {code}: {log}");
            Assert.Equal("error: " + message, log.Trim()[..Math.Min(log.Trim().Length, ("error: " + message).Length)]);
        }
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
