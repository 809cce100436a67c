using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Vae;

/// <summary>
/// The middle of the VAE encoder and decoder alike: ResBlock, attention, ResBlock at the deepest width,
/// named as LDM's <c>mid.block_1</c>, <c>mid.attn_1</c>, <c>mid.block_2</c>.
/// </summary>
public static class VaeMidBlock
{
    /// <returns>The layers in call order, and the container that gives them their state-dict names (register it as "mid").</returns>
    public static (nn.Module<Tensor, Tensor>[] Layers, Slots Names) Create(long channels, ModuleDevice on)
    {
        nn.Module<Tensor, Tensor>[] layers =
            [new VaeResnetBlock(channels, channels, on), new VaeAttentionBlock(channels, on), new VaeResnetBlock(channels, channels, on)];
        return (layers, new Slots(("block_1", layers[0]), ("attn_1", layers[1]), ("block_2", layers[2])));
    }
}
