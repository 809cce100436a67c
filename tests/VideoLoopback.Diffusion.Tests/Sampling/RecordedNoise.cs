using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sampling;

/// <summary>Hands out the k-th recorded noise draw of a golden case on the k-th call, as [1,C,H,W].</summary>
internal sealed class RecordedNoise(Tensor pool)
{
    public int Drawn { get; private set; }

    public Tensor Next()
    {
        Assert.True(Drawn < pool.shape[0], $"sampler drew noise #{Drawn + 1} but only {pool.shape[0]} were recorded");
        return pool[Drawn++].reshape(1, 4, 8, 8);
    }
}
