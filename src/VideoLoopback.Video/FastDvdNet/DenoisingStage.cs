using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VideoLoopback.Video.FastDvdNet;

/// <summary>
/// One FastDVDNet denoising stage (the published "DenBlock"): a small two-scale U-Net that sees three
/// consecutive frames, each with the noise map, and returns the middle frame minus its estimated noise.
/// </summary>
internal sealed class DenoisingStage : nn.Module
{
    private const long Channels0 = 32, Channels1 = 64, Channels2 = 128;

    private readonly InputCvBlock inc;
    private readonly DownBlock downc0;
    private readonly DownBlock downc1;
    private readonly UpBlock upc2;
    private readonly UpBlock upc1;
    private readonly OutputCvBlock outc;

    public DenoisingStage() : base(nameof(DenoisingStage))
    {
        inc = new InputCvBlock(frames: 3, outChannels: Channels0);
        downc0 = new DownBlock(Channels0, Channels1);
        downc1 = new DownBlock(Channels1, Channels2);
        upc2 = new UpBlock(Channels2, Channels1);
        upc1 = new UpBlock(Channels1, Channels0);
        outc = new OutputCvBlock(Channels0, 3);
        RegisterComponents();
    }

    /// <summary>
    /// Frames [B,3,H,W] in [0,1] (H and W multiples of 4), noise map [B,1,H,W]; returns the denoised
    /// middle frame [B,3,H,W] (not clamped).
    /// </summary>
    public Tensor Forward(Tensor previous, Tensor middle, Tensor next, Tensor noiseMap)
    {
        using var scope = NewDisposeScope();
        var x0 = inc.forward(cat([previous, noiseMap, middle, noiseMap, next, noiseMap], dim: 1));
        var x1 = downc0.forward(x0);
        var x2 = downc1.forward(x1);
        x2 = upc2.forward(x2);
        x1 = upc1.forward(x1 + x2);
        var residual = outc.forward(x0 + x1);
        return (middle - residual).MoveToOuterDisposeScope();
    }
}
