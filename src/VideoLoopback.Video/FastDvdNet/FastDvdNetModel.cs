using TorchSharp;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Video.FastDvdNet;

/// <summary>
/// The FastDVDNet network (Tassano et al.): a 5-frame window is denoised in two stages. Stage one
/// (<c>temp1</c>, shared weights) denoises the three overlapping triplets (0,1,2), (1,2,3), (2,3,4);
/// stage two (<c>temp2</c>) denoises the triplet of those results into the centre frame.
/// Module names match the released state dict without its <c>module.</c> prefix.
/// </summary>
public sealed class FastDvdNetModel : nn.Module
{
    /// <summary>Frames in the temporal window the network was trained for.</summary>
    public const int WindowFrames = 5;

    private readonly DenoisingStage temp1;
    private readonly DenoisingStage temp2;

    /// <summary>The network on <paramref name="on"/> (default: float32 on the CPU), its weights still to be bound.</summary>
    public FastDvdNetModel(ModuleDevice? on = null) : base(nameof(FastDvdNetModel))
    {
        temp1 = new DenoisingStage(on ?? ModuleDevice.Cpu);
        temp2 = new DenoisingStage(on ?? ModuleDevice.Cpu);
        RegisterComponents();
    }

    /// <summary>
    /// The published forward: window [B,15,H,W] (5 RGB frames stacked on channels, in [0,1]),
    /// noise map [B,1,H,W]; H and W must be multiples of 4. Returns the centre frame [B,3,H,W], not clamped.
    /// </summary>
    public Tensor Forward(Tensor window, Tensor noiseMap)
    {
        using var scope = NewDisposeScope();
        var f = Enumerable.Range(0, WindowFrames).Select(i => window.narrow(1, 3 * i, 3)).ToArray();
        var a = temp1.Forward(f[0], f[1], f[2], noiseMap);
        var b = temp1.Forward(f[1], f[2], f[3], noiseMap);
        var c = temp1.Forward(f[2], f[3], f[4], noiseMap);
        return temp2.Forward(a, b, c, noiseMap).MoveToOuterDisposeScope();
    }

    /// <summary>Stage one alone on triplets [B,3,H,W] each: lets a sequence reuse each triplet's result for three windows.</summary>
    internal Tensor FirstStage(Tensor previous, Tensor middle, Tensor next, Tensor noiseMap) =>
        temp1.Forward(previous, middle, next, noiseMap);

    /// <summary>Stage two on three stage-one results [B,3,H,W].</summary>
    internal Tensor SecondStage(Tensor previous, Tensor middle, Tensor next, Tensor noiseMap) =>
        temp2.Forward(previous, middle, next, noiseMap);
}
