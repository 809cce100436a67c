using TorchSharp;
using VideoLoopback.Diffusion.Nn;
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

    private readonly ConvBlock inc;
    private readonly ConvBlock downc0;
    private readonly ConvBlock downc1;
    private readonly ConvBlock upc2;
    private readonly ConvBlock upc1;
    private readonly ConvBlock outc;

    public DenoisingStage(ModuleDevice on) : base(nameof(DenoisingStage))
    {
        inc = ConvBlock.Input(frames: 3, outChannels: Channels0, on);
        downc0 = ConvBlock.Down(Channels0, Channels1, on);
        downc1 = ConvBlock.Down(Channels1, Channels2, on);
        upc2 = ConvBlock.Up(Channels2, Channels1, on);
        upc1 = ConvBlock.Up(Channels1, Channels0, on);
        outc = ConvBlock.Output(Channels0, 3, on);
        RegisterComponents();
    }

    /// <summary>
    /// Frames [B,3,H,W] in [0,1] (H and W multiples of 4), noise map [B,1,H,W]; returns the denoised
    /// middle frame [B,3,H,W] (not clamped).
    /// </summary>
    public Tensor Forward(Tensor previous, Tensor middle, Tensor next, Tensor noiseMap)
    {
        using var scope = NewDisposeScope();
        // Channels-last from the first block on: its second convolution has 90 input channels, which oneDNN gets wrong in
        // the plain layout (see MemoryLayout); every later layer keeps the layout.
        var x0 = inc.forward(MemoryLayout.ChannelsLast(cat([previous, noiseMap, middle, noiseMap, next, noiseMap], dim: 1)));
        var x1 = downc0.forward(x0);
        var x2 = downc1.forward(x1);
        x2 = upc2.forward(x2);
        x1 = upc1.forward(x1 + x2);
        var residual = outc.forward(x0 + x1);
        return (middle - residual).MoveToOuterDisposeScope();
    }
}
