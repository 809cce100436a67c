using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Unet;

/// <summary>
/// The LDM UNetModel of SD1.x/SD2.x and sgm's of SDXL: predicts the noise eps of a latent at a timestep, conditioned on a
/// text context (and, for SDXL, on the vector y through label_emb).
/// Parameter names equal the checkpoint's <c>model.diffusion_model.*</c> keys, so loading is a name-for-name copy.
/// </summary>
public sealed class UnetModel : nn.Module
{
    private readonly TimeEmbed _timeEmbed;
    private readonly LabelEmbed? _labelEmbed;
    private readonly UnetBlock[] _input, _output;
    private readonly UnetBlock _middle;
    private readonly GroupNorm32 _outNorm;
    private readonly Conv2d _outConv;

    public UnetModel(UnetConfig config, ModuleDevice on) : base(nameof(UnetModel))
    {
        Config = config;
        On = on;
        long mc = config.ModelChannels, embDim = config.TimeEmbedDim;
        _timeEmbed = new TimeEmbed(config, on);
        _labelEmbed = config.AdmInChannels > 0 ? new LabelEmbed(config, on) : null;
        var encoder = UnetEncoder.Build(config, on);
        _input = encoder.InputBlocks;
        _middle = encoder.Middle;

        var skipWidths = new Stack<long>(encoder.InputWidths);
        long ch = encoder.Width;
        var output = new List<UnetBlock>();
        for (int level = config.ChannelMult.Count - 1; level >= 0; level--)
        {
            long width = mc * config.ChannelMult[level];
            for (int i = 0; i <= config.NumResBlocks; i++)
            {
                var layers = new List<nn.Module> { new ResBlock(ch + skipWidths.Pop(), width, embDim, on) };
                ch = width;
                if (config.AttentionLevels[level]) layers.Add(UnetEncoder.Transformer(config, ch, config.DepthAt(level), on));
                if (level != 0 && i == config.NumResBlocks) layers.Add(new Upsample(ch, on));
                output.Add(new UnetBlock(layers.ToArray()));
            }
        }
        _output = output.ToArray();
        _outNorm = new GroupNorm32(ch, on, fusedSilu: true);
        _outConv = Layers.Conv(ch, config.OutChannels, 3, on, padding: 1);

        register_module("time_embed", _timeEmbed);
        if (_labelEmbed is not null) register_module("label_emb", _labelEmbed);
        register_module("input_blocks", new Slots(_input.Select((b, i) => (i.ToString(), (nn.Module)b)).ToArray()));
        register_module("middle_block", _middle);
        register_module("output_blocks", new Slots(_output.Select((b, i) => (i.ToString(), (nn.Module)b)).ToArray()));
        register_module("out", new Slots(("0", _outNorm), ("2", _outConv)));
        eval();
    }

    public UnetConfig Config { get; }
    public ModuleDevice On { get; }

    /// <summary>
    /// x [B,in_channels,h,w] (any h, w: odd sizes are handled like WebUI), timesteps [B], context [B,T,context_dim]
    /// -> eps [B,out_channels,h,w] in x's dtype. Inputs are moved to the network's device and dtype.
    /// <paramref name="control"/>: optional ControlNet residuals, one per input block plus the middle block's last
    /// (ControlledUnetModel): the last is added after the middle block, the others to the skips as the decoder takes them.
    /// <paramref name="y"/>: [B,<see cref="UnetConfig.AdmInChannels"/>], required exactly when the network has label_emb.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor timesteps, Tensor context, IReadOnlyList<Tensor>? control = null, Tensor? y = null)
    {
        if (control is not null && control.Count != _input.Length + 1)
            throw new ArgumentException($"UNet control needs {_input.Length + 1} residuals, got {control.Count}", nameof(control));
        if (x.ndim != 4 || x.shape[1] != Config.InChannels)
            throw new ArgumentException($"UNet input must be [B,{Config.InChannels},h,w], got [{string.Join(",", x.shape)}]", nameof(x));
        if (context.ndim != 3 || context.shape[2] != Config.ContextDim || context.shape[0] != x.shape[0])
            throw new ArgumentException($"UNet context must be [{x.shape[0]},T,{Config.ContextDim}], got [{string.Join(",", context.shape)}]", nameof(context));
        if (timesteps.numel() != x.shape[0])
            throw new ArgumentException($"UNet needs one timestep per batch item ({x.shape[0]}), got {timesteps.numel()}", nameof(timesteps));
        CheckVector(Config, x.shape[0], y, "UNet");

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (dtype, device) = (On.DType, On.Device);
        var (emb, ctx) = _timeEmbed.Conditioning(timesteps, context, y, _labelEmbed);

        var h = x.to(dtype, device);
        var skips = new Stack<Tensor>();
        foreach (var block in _input)
        {
            h = block.Forward(h, emb, ctx);
            skips.Push(h);
        }
        h = _middle.Forward(h, emb, ctx);
        if (control is not null) h = h + control[^1].to(dtype, device);
        foreach (var block in _output)
        {
            var skip = skips.Pop();
            if (control is not null) skip = skip + control[skips.Count].to(dtype, device);
            var joined = ConcatSkip(h, skip);
            h.Dispose();
            skip.Dispose();
            h = block.Forward(joined, emb, ctx);
            joined.Dispose();
        }
        var eps = BFloat16ConvFallback.Call(_outConv, _outNorm.call(h)).to(x.dtype);
        return eps.MoveToOuterDisposeScope();
    }

    /// <summary>y must be [B,adm_in_channels] when the network has label_emb, and absent otherwise (as sgm asserts).</summary>
    internal static void CheckVector(UnetConfig config, long batch, Tensor? y, string network)
    {
        if (config.AdmInChannels == 0)
        {
            if (y is not null) throw new ArgumentException($"{network} has no label_emb; it takes no vector y", nameof(y));
            return;
        }
        if (y is null || y.ndim != 2 || y.shape[0] != batch || y.shape[1] != config.AdmInChannels)
            throw new ArgumentException($"{network} vector y must be [{batch},{config.AdmInChannels}], got " +
                (y is null ? "none" : $"[{string.Join(",", y.shape)}]"), nameof(y));
    }

    /// <summary>
    /// [B,C1,h,w] ++ [B,C2,H,W] -> [B,C1+C2,H,W]. When an odd size was rounded up by the downsampling convs the upsampled
    /// tensor is larger than its skip; like WebUI's patched torch.cat it is nearest-resized to the skip's H x W first.
    /// </summary>
    private static Tensor ConcatSkip(Tensor upsampled, Tensor skip)
    {
        if (upsampled.shape[2] == skip.shape[2] && upsampled.shape[3] == skip.shape[3])
            return cat([upsampled, skip], 1);
        using var resized = nn.functional.interpolate(upsampled, size: [skip.shape[2], skip.shape[3]], mode: InterpolationMode.Nearest);
        return cat([resized, skip], 1);
    }
}
