using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Vae;

/// <summary>
/// LDM Encoder: conv_in, down.{i}.block/attn/downsample, mid.{block_1,attn_1,block_2}, norm_out, conv_out.
/// image [B,3,H,W] -> [B,2*z,H/f,W/f] (f = 8 for SD).
/// </summary>
public sealed class VaeEncoder : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d _convIn, _convOut;
    private readonly List<nn.Module<Tensor, Tensor>> _down = new();
    private readonly nn.Module<Tensor, Tensor>[] _mid;
    private readonly GroupNorm32 _normOut;

    public VaeEncoder(VaeConfig config, ModuleDevice on) : base(nameof(VaeEncoder))
    {
        long ch = config.Channels;
        _convIn = Layers.Conv(config.ImageChannels, ch, 3, on, padding: 1);
        register_module("conv_in", _convIn);
        var levels = new List<(string, nn.Module)>();
        long blockIn = ch;
        for (int i = 0; i < config.ChannelMult.Count; i++)
        {
            long blockOut = ch * config.ChannelMult[i];
            var blocks = new List<(string, nn.Module)>();
            var attns = new List<(string, nn.Module)>();
            var parts = new List<(string, nn.Module)>();
            for (int j = 0; j < config.NumResBlocks; j++)
            {
                var block = new VaeResnetBlock(blockIn, blockOut, on);
                blockIn = blockOut;
                blocks.Add((j.ToString(), block));
                _down.Add(block);
                if (config.AttentionLevels[i])
                {
                    var attn = new VaeAttentionBlock(blockIn, on);
                    attns.Add((j.ToString(), attn));
                    _down.Add(attn);
                }
            }
            parts.Add(("block", new Slots(blocks.ToArray())));
            parts.Add(("attn", new Slots(attns.ToArray())));
            if (i != config.ChannelMult.Count - 1)
            {
                var down = VaeResample.Down(blockIn, on);
                parts.Add(("downsample", down));
                _down.Add(down);
            }
            levels.Add((i.ToString(), new Slots(parts.ToArray())));
        }
        register_module("down", new Slots(levels.ToArray()));
        (_mid, var midNames) = VaeMidBlock.Create(blockIn, on);
        register_module("mid", midNames);
        _normOut = new GroupNorm32(blockIn, on, eps: 1e-6, fusedSilu: true);
        _convOut = Layers.Conv(blockIn, 2 * config.ZChannels, 3, on, padding: 1);
        register_module("norm_out", _normOut);
        register_module("conv_out", _convOut);
    }

    public override Tensor forward(Tensor image)
    {
        using var scope = NewDisposeScope();
        using var normed = LayerChain.Run(image, [_convIn, .. _down, .. _mid, _normOut]);
        return BFloat16ConvFallback.Call(_convOut, normed).MoveToOuterDisposeScope();
    }
}
