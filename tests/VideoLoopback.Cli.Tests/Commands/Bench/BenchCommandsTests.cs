using Spectre.Console.Cli;
using Spectre.Console.Cli.Testing;
using VideoLoopback.Cli.Commands.Bench;

namespace VideoLoopback.Cli.Tests.Commands.Bench;

/// <summary>The bench branch's registration and the options the benchmarks share (no benchmark is run).</summary>
public class BenchCommandsTests
{
    private static CommandAppResult Bench(params string[] args)
    {
        var app = new CommandAppTester();
        app.Configure(config => config.AddBranch("bench", BenchCommands.Register));
        return app.Run(["bench", .. args]);
    }

    [Fact]
    public void ListsEveryBenchmarkByItsName()
    {
        var result = Bench("--help");
        foreach (var name in new[] { "load", "unet", "dtype", "text", "sampling", "render", "imaging", "schedules", "lora", "controlnet", "fastdvdnet" })
            Assert.Contains(name, result.Output);
    }

    [Theory]
    [InlineData("unet", "--threads", "-1", "--threads must be 0 or more")]
    [InlineData("text", "--device", "gpu", "--device must be cpu or cuda")]
    [InlineData("sampling", "--device", "mps", "--device must be cpu or cuda")]
    [InlineData("controlnet", "--size", "60", "--size must be a multiple of 8, at least 64")]
    [InlineData("unet", "--batch", "0", "--batch must be at least 1")]
    [InlineData("controlnet", "--runs", "0", "--runs must be at least 1")]
    [InlineData("text", "--iterations", "0", "--iterations must be at least 1")]
    [InlineData("unet", "--dtype", "fp32", "--dtype must be bf16 or fp16 (fp32 always runs)")]
    [InlineData("dtype", "--dtype", "fp8", "--dtype must be bf16 or fp16")]
    public void RejectsBadSharedOptionsBeforeRunning(string command, string option, string value, string message)
    {
        var result = Bench(command, option, value);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Output);
    }

    [Fact]
    public void EachCommandKeepsItsOwnDefaults()
    {
        var unet = new BenchUnetCommand.Settings();
        var controlNet = new BenchControlNetCommand.Settings();
        Assert.Equal((256, 2, 3), (unet.Size, unet.Batch, unet.Runs));
        Assert.Equal((256, 2, 2), (controlNet.Size, controlNet.Batch, controlNet.Runs));
        Assert.Null(unet.Threads);
        Assert.Equal("cpu", new BenchSamplingCommand.Settings().Device);
    }

    [Theory]
    [InlineData("cpu", true)]
    [InlineData("cuda", true)]
    [InlineData("cuda:1", true)]
    [InlineData("cuda:x", false)]
    [InlineData("gpu", false)]
    public void KnowsTheDevices(string device, bool valid) =>
        Assert.Equal(valid, new BenchImagingCommand.Settings { Device = device }.Validate().Successful);

    [Fact]
    public void ReadsThisProcesssMemory()
    {
        long resident = ProcessMemory.ResidentBytes();
        Assert.True(resident > 0);
        Assert.True(ProcessMemory.PeakResidentBytes() >= resident / 2);
    }
}
