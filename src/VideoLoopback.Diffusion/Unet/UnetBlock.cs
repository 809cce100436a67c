using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Unet;

/// <summary>
/// One entry of input_blocks / middle_block / output_blocks: layers named 0, 1, 2 applied in order
/// (the reference's TimestepEmbedSequential). Plain convolutions get only the features.
/// </summary>
public sealed class UnetBlock : nn.Module
{
    private readonly nn.Module[] _layers;

    public UnetBlock(params nn.Module[] layers) : base(nameof(UnetBlock))
    {
        _layers = layers;
        for (int i = 0; i < layers.Length; i++) register_module(i.ToString(), layers[i]);
    }

    public Tensor Forward(Tensor x, Tensor emb, Tensor context)
    {
        var h = x;
        foreach (var layer in _layers)
        {
            var next = layer switch
            {
                UnetLayer l => l.Forward(h, emb, context),
                nn.Module<Tensor, Tensor> m => m.call(h),
                _ => throw new InvalidOperationException($"unexpected layer {layer.GetType().Name}"),
            };
            if (!ReferenceEquals(h, x)) h.Dispose();
            h = next;
        }
        return h;
    }
}
