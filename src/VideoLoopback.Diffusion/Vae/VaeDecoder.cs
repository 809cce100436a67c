using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Vae;

/// <summary>
/// LDM Decoder: conv_in, mid.{block_1,attn_1,block_2}, up.{i}.block/attn/upsample (run from the deepest level i = last
/// down to 0), norm_out, conv_out. z [B,z,h,w] -> image [B,3,f*h,f*w], unclamped.
/// </summary>
public sealed class VaeDecoder : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d _convIn, _convOut;
    private readonly nn.Module<Tensor, Tensor>[] _mid;
    private readonly List<nn.Module<Tensor, Tensor>> _up = new();
    private readonly GroupNorm32 _normOut;

    public VaeDecoder(VaeConfig config, ModuleDevice on) : base(nameof(VaeDecoder))
    {
        long ch = config.Channels;
        int levels = config.ChannelMult.Count;
        long blockIn = ch * config.ChannelMult[levels - 1];
        _convIn = Layers.Conv(config.ZChannels, blockIn, 3, on, padding: 1);
        register_module("conv_in", _convIn);
        (_mid, var midNames) = VaeMidBlock.Create(blockIn, on);
        register_module("mid", midNames);

        var byLevel = new (string, nn.Module)[levels];
        for (int i = levels - 1; i >= 0; i--)
        {
            long blockOut = ch * config.ChannelMult[i];
            var blocks = new List<(string, nn.Module)>();
            var attns = new List<(string, nn.Module)>();
            var parts = new List<(string, nn.Module)>();
            for (int j = 0; j <= config.NumResBlocks; j++)
            {
                var block = new VaeResnetBlock(blockIn, blockOut, on);
                blockIn = blockOut;
                blocks.Add((j.ToString(), block));
                _up.Add(block);
                if (config.AttentionLevels[i])
                {
                    var attn = new VaeAttentionBlock(blockIn, on);
                    attns.Add((j.ToString(), attn));
                    _up.Add(attn);
                }
            }
            parts.Add(("block", new Slots(blocks.ToArray())));
            parts.Add(("attn", new Slots(attns.ToArray())));
            if (i != 0)
            {
                var up = VaeResample.Up(blockIn, on);
                parts.Add(("upsample", up));
                _up.Add(up);
            }
            byLevel[i] = (i.ToString(), new Slots(parts.ToArray()));
        }
        register_module("up", new Slots(byLevel));
        _normOut = new GroupNorm32(blockIn, on, eps: 1e-6, fusedSilu: true);
        _convOut = Layers.Conv(blockIn, config.OutChannels, 3, on, padding: 1);
        register_module("norm_out", _normOut);
        register_module("conv_out", _convOut);
    }

    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        using var normed = LayerChain.Run(z, [_convIn, .. _mid, .. _up, _normOut]);
        return BFloat16ConvFallback.Call(_convOut, normed).MoveToOuterDisposeScope();
    }
}
