using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VideoLoopback.Video.FastDvdNet;

/// <summary>
/// One convolution block of a FastDVDNet denoising stage: its layers in one Sequential named <c>convblock</c>, so the names
/// reproduce the released state-dict keys (e.g. <c>temp1.downc0.convblock.3.convblock.0.weight</c>); parameter-free
/// ReLUs and the PixelShuffle hold a slot in the numbering. Convolutions have no bias (BatchNorm follows them).
/// </summary>
internal sealed class ConvBlock : Module<Tensor, Tensor>
{
    private const long IntermediateChannelsPerFrame = 30;

    private readonly Sequential convblock;

    private ConvBlock(string name, params Module<Tensor, Tensor>[] layers) : base(name)
    {
        convblock = Sequential(layers);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => convblock.forward(x);

    /// <summary>(conv3x3 -> BN -> ReLU) twice: [B,in,H,W] -> [B,out,H,W].</summary>
    public static ConvBlock Cv(long inChannels, long outChannels, ModuleDevice on) => new("CvBlock",
        Conv(inChannels, outChannels, on), Layers.BatchNorm(outChannels, on), ReLU(),
        Conv(outChannels, outChannels, on), Layers.BatchNorm(outChannels, on), ReLU());

    /// <summary>
    /// First block of a stage: a grouped conv (one group per input frame, each group sees RGB + noise map) to 30 channels
    /// per frame, then a conv to <paramref name="outChannels"/>: [B,frames*4,H,W] -> [B,out,H,W].
    /// </summary>
    public static ConvBlock Input(long frames, long outChannels, ModuleDevice on)
    {
        long intermediate = frames * IntermediateChannelsPerFrame;
        return new("InputCvBlock",
            Conv(frames * 4, intermediate, on, groups: frames), Layers.BatchNorm(intermediate, on), ReLU(),
            Conv(intermediate, outChannels, on), Layers.BatchNorm(outChannels, on), ReLU());
    }

    /// <summary>Strided conv (halves H and W) -> BN -> ReLU, then a <see cref="Cv"/> block: [B,in,H,W] -> [B,out,H/2,W/2].</summary>
    public static ConvBlock Down(long inChannels, long outChannels, ModuleDevice on) => new("DownBlock",
        Conv(inChannels, outChannels, on, stride: 2), Layers.BatchNorm(outChannels, on), ReLU(), Cv(outChannels, outChannels, on));

    /// <summary>A <see cref="Cv"/> block, a conv to 4x the output channels, pixel shuffle x2: [B,in,H,W] -> [B,out,2H,2W].</summary>
    public static ConvBlock Up(long inChannels, long outChannels, ModuleDevice on) => new("UpBlock",
        Cv(inChannels, inChannels, on), Conv(inChannels, outChannels * 4, on), PixelShuffle(2));

    /// <summary>conv -> BN -> ReLU -> conv to <paramref name="outChannels"/> (the residual estimate): [B,in,H,W] -> [B,out,H,W].</summary>
    public static ConvBlock Output(long inChannels, long outChannels, ModuleDevice on) => new("OutputCvBlock",
        Conv(inChannels, inChannels, on), Layers.BatchNorm(inChannels, on), ReLU(), Conv(inChannels, outChannels, on));

    private static Conv2d Conv(long inChannels, long outChannels, ModuleDevice on, long stride = 1, long groups = 1) =>
        Layers.Conv(inChannels, outChannels, 3, on, stride: stride, padding: 1, groups: groups, bias: false);
}
