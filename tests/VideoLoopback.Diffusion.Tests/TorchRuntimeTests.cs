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

    [Fact]
    public void ConvolutionsWithoutOneDnnGiveTheSameResultAndTheSwitchIsRestored()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        var x = randn([2, 8, 12, 12], generator: generator);
        var w = randn([6, 8, 3, 3], generator: generator);
        var reference = nn.functional.conv2d(x.to(ScalarType.Float64), w.to(ScalarType.Float64), padding: [1, 1]);
        Assert.Equal(OperatingSystem.IsLinux(), Nn.LibTorchSwitches.Available);
        var native = Nn.LibTorchSwitches.WithoutOneDnn(() => nn.functional.conv2d(x, w, padding: [1, 1]));
        double error = (native.to(ScalarType.Float64) - reference).abs().max().item<double>();
        Assert.True(error < 1e-5, $"native float32 convolution is {error} from float64");
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
