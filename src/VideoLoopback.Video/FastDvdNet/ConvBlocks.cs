using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace VideoLoopback.Video.FastDvdNet;

// The convolution blocks of one FastDVDNet denoising stage. Field names and the order of the
// layers inside each `convblock` reproduce the released state-dict keys
// (e.g. `temp1.downc0.convblock.3.convblock.0.weight`); ReLUs hold a slot in the numbering.

/// <summary>(conv3x3 -> BN -> ReLU) twice, channels kept: [B,C,H,W] -> [B,C,H,W].</summary>
internal sealed class CvBlock : Module<Tensor, Tensor>
{
    private readonly Sequential convblock;

    public CvBlock(long inChannels, long outChannels) : base(nameof(CvBlock))
    {
        convblock = Sequential(
            Conv2d(inChannels, outChannels, 3, padding: 1, bias: false),
            BatchNorm2d(outChannels),
            ReLU(),
            Conv2d(outChannels, outChannels, 3, padding: 1, bias: false),
            BatchNorm2d(outChannels),
            ReLU());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => convblock.forward(x);
}

/// <summary>
/// First block of a stage: a grouped conv (one group per input frame, each group sees RGB + noise map)
/// to 30 channels per frame, then a conv to <c>outChannels</c>: [B,frames*4,H,W] -> [B,out,H,W].
/// </summary>
internal sealed class InputCvBlock : Module<Tensor, Tensor>
{
    private const long IntermediateChannelsPerFrame = 30;
    private readonly Sequential convblock;

    public InputCvBlock(long frames, long outChannels) : base(nameof(InputCvBlock))
    {
        convblock = Sequential(
            Conv2d(frames * 4, frames * IntermediateChannelsPerFrame, 3, padding: 1, groups: frames, bias: false),
            BatchNorm2d(frames * IntermediateChannelsPerFrame),
            ReLU(),
            Conv2d(frames * IntermediateChannelsPerFrame, outChannels, 3, padding: 1, bias: false),
            BatchNorm2d(outChannels),
            ReLU());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => convblock.forward(x);
}

/// <summary>Strided conv (halves H and W) -> BN -> ReLU, then a <see cref="CvBlock"/>: [B,in,H,W] -> [B,out,H/2,W/2].</summary>
internal sealed class DownBlock : Module<Tensor, Tensor>
{
    private readonly Sequential convblock;

    public DownBlock(long inChannels, long outChannels) : base(nameof(DownBlock))
    {
        convblock = Sequential(
            Conv2d(inChannels, outChannels, 3, stride: 2, padding: 1, bias: false),
            BatchNorm2d(outChannels),
            ReLU(),
            new CvBlock(outChannels, outChannels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => convblock.forward(x);
}

/// <summary>A <see cref="CvBlock"/>, a conv to 4x the output channels, pixel shuffle x2: [B,in,H,W] -> [B,out,2H,2W].</summary>
internal sealed class UpBlock : Module<Tensor, Tensor>
{
    private readonly Sequential convblock;

    public UpBlock(long inChannels, long outChannels) : base(nameof(UpBlock))
    {
        convblock = Sequential(
            new CvBlock(inChannels, inChannels),
            Conv2d(inChannels, outChannels * 4, 3, padding: 1, bias: false),
            PixelShuffle(2));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => convblock.forward(x);
}

/// <summary>conv -> BN -> ReLU -> conv to <c>outChannels</c> (the residual estimate): [B,in,H,W] -> [B,out,H,W].</summary>
internal sealed class OutputCvBlock : Module<Tensor, Tensor>
{
    private readonly Sequential convblock;

    public OutputCvBlock(long inChannels, long outChannels) : base(nameof(OutputCvBlock))
    {
        convblock = Sequential(
            Conv2d(inChannels, inChannels, 3, padding: 1, bias: false),
            BatchNorm2d(inChannels),
            ReLU(),
            Conv2d(inChannels, outChannels, 3, padding: 1, bias: false));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => convblock.forward(x);
}
