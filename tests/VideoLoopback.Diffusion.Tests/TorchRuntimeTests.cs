using static TorchSharp.torch;
using VideoLoopback.Tests.Shared;

namespace VideoLoopback.Diffusion.Tests;

[Collection(LibTorchSwitchCollection.Name)]
public class TorchRuntimeTests
{
    [Fact]
    public void SeededCpuRandnMatchesPyTorch()
    {
        // torch.randn(1,4,2,2, generator=torch.Generator().manual_seed(1234)) in PyTorch.
        float[] expected = [-0.1117f, -0.4966f, 0.1631f, -0.8817f];
        using var generator = new Generator(1234);
        using var sample = randn([1, 4, 2, 2], generator: generator);
        var values = sample.data<float>().ToArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(values[i] - expected[i]) < 1e-4, $"element {i}: got {values[i]}, PyTorch gives {expected[i]}");
    }

    [Theory]
    [InlineData(20)] // not a multiple of the 16- or 8-channel block: the shape oneDNN gets wrong in the plain layout
    [InlineData(90)] // FastDVDNet's first block
    [InlineData(32)]
    public void ChannelsLastConvolutionsMatchFloat64WhateverTheChannelCount(int channels)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        var x = randn([2, channels, 12, 12], generator: generator);
        var w = randn([16, channels, 3, 3], generator: generator);
        var reference = nn.functional.conv2d(x.to(ScalarType.Float64), w.to(ScalarType.Float64), padding: [1, 1]);
        var y = nn.functional.conv2d(Nn.MemoryLayout.ChannelsLast(x), w, padding: [1, 1]);
        double error = (y.to(ScalarType.Float64) - reference).abs().max().item<double>() / reference.abs().max().item<double>();
        Assert.True(error < 1e-5, $"{channels} channels: float32 channels-last convolution is {error:E2} (relative) from float64");
    }

    [Fact]
    public void NnpackCanBeSwitchedOffOnLinuxAndConvolutionsStillRun()
    {
        Assert.Equal(OperatingSystem.IsLinux(), Nn.LibTorchSwitches.TryDisableNnpack());
        // A convolution of the shape libtorch would hand to NNPACK (float32, batch 16, 3x3) runs on the other path.
        using var scope = NewDisposeScope();
        var x = ones(16, 4, 8, 8);
        var w = ones(2, 4, 3, 3);
        var y = nn.functional.conv2d(x, w, padding: [1, 1]);
        Assert.Equal(36f, y[0, 0, 4, 4].item<float>()); // interior: 4 channels x 9 taps
    }
}
