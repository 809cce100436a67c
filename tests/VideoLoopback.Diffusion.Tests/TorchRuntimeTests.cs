using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests;

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
}
