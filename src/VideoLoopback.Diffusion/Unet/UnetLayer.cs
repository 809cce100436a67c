using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Unet;

/// <summary>A layer inside a UNet block: sees the features, the timestep embedding and the text context.</summary>
public abstract class UnetLayer : nn.Module
{
    protected UnetLayer(string name) : base(name) { }

    /// <param name="x">[B,C,H,W]</param>
    /// <param name="emb">[B,4*model_channels]</param>
    /// <param name="context">[B,T,context_dim]</param>
    public abstract Tensor Forward(Tensor x, Tensor emb, Tensor context);
}
