using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Nn;

/// <summary>Runs layers one after another, freeing each intermediate as soon as the next exists.</summary>
public static class LayerChain
{
    /// <summary>
    /// Applies <paramref name="layers"/> in order to <paramref name="input"/>. Intermediates are disposed at once (at
    /// large frame sizes they are the biggest tensors alive); the caller's input is never disposed.
    /// </summary>
    public static Tensor Run(Tensor input, IEnumerable<nn.Module<Tensor, Tensor>> layers)
    {
        var h = input;
        foreach (var layer in layers)
        {
            var next = layer.call(h);
            if (!ReferenceEquals(h, input)) h.Dispose();
            h = next;
        }
        return h;
    }
}
