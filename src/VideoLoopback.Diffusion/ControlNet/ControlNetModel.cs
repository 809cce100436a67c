using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Unet;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.ControlNet;

/// <summary>
/// The ControlNet of lllyasviel/ControlNet (cldm.py): a copy of the UNet's encoder and middle block, a hint encoder that
/// brings the control image [B,3,8h,8w] down to the latent size, and 1x1 "zero convs" producing 13 residuals for the UNet's
/// skips and middle block (10 for SDXL, which sd-webui-controlnet builds the same way with label_emb and the SDXL UNet's
/// per-level transformer depths). Parameter names equal the release file's keys without <c>control_model.</c>.
/// </summary>
public sealed class ControlNetModel : nn.Module
{
    /// <summary>The hint encoder's conv widths (3 -> ... -> 256 -> model_channels) and which ones halve the size.</summary>
    private static readonly (long Out, long Stride)[] HintConvs = [(16, 1), (16, 1), (32, 2), (32, 1), (96, 2), (96, 1), (256, 2)];

    public const string ReleasePrefix = "control_model.";

    private readonly TimeEmbed _timeEmbed;
    private readonly LabelEmbed? _labelEmbed;
    private readonly Conv2d[] _hint;
    private readonly UnetBlock[] _input;
    private readonly Conv2d[] _zeroConvs;
    private readonly UnetBlock _middle;
    private readonly Conv2d _middleOut;

    public ControlNetModel(UnetConfig config, ModuleDevice on) : base(nameof(ControlNetModel))
    {
        Config = config;
        On = on;
        _timeEmbed = new TimeEmbed(config, on);
        _labelEmbed = config.AdmInChannels > 0 ? new LabelEmbed(config, on) : null;

        var hint = new List<Conv2d>();
        long hintChannels = 3;
        foreach (var (width, stride) in HintConvs)
        {
            hint.Add(Layers.Conv(hintChannels, width, 3, on, stride: stride, padding: 1));
            hintChannels = width;
        }
        hint.Add(Layers.Conv(hintChannels, config.ModelChannels, 3, on, padding: 1));
        _hint = hint.ToArray();

        // The UNet's own encoder; a 1x1 zero conv reads each input block's output, another the middle block's.
        var encoder = UnetEncoder.Build(config, on);
        _input = encoder.InputBlocks;
        _middle = encoder.Middle;
        _zeroConvs = encoder.InputWidths.Select(width => Layers.Conv(width, width, 1, on)).ToArray();
        _middleOut = Layers.Conv(encoder.Width, encoder.Width, 1, on);

        register_module("time_embed", _timeEmbed);
        if (_labelEmbed is not null) register_module("label_emb", _labelEmbed);
        register_module("input_hint_block", new Slots(_hint.Select((c, i) => ((2 * i).ToString(), (nn.Module)c)).ToArray()));
        register_module("input_blocks", new Slots(_input.Select((b, i) => (i.ToString(), (nn.Module)b)).ToArray()));
        register_module("zero_convs", new Slots(_zeroConvs.Select((c, i) => (i.ToString(), (nn.Module)new Slots(("0", c)))).ToArray()));
        register_module("middle_block", _middle);
        register_module("middle_block_out", new Slots(("0", _middleOut)));
        eval();
    }

    public UnetConfig Config { get; }
    public ModuleDevice On { get; }

    /// <summary>The number of residuals: one per input block plus the middle block's.</summary>
    public int ResidualCount => _zeroConvs.Length + 1;

    /// <summary>
    /// x [B,4,h,w], timesteps [B], context [B,T,C], hint [B or 1,3,8h,8w] in [0,1] -> the 13 (SDXL: 10) unscaled residuals in the order the
    /// UNet consumes them from the end (index 0 = after input block 0, last = middle block), in the network's dtype on its device.
    /// <paramref name="y"/>: the SDXL vector [B,adm_in_channels], required exactly when the ControlNet has label_emb.
    /// </summary>
    public Tensor[] Forward(Tensor x, Tensor timesteps, Tensor context, Tensor hint, Tensor? y = null)
    {
        if (hint.ndim != 4 || hint.shape[1] != 3 || hint.shape[2] != x.shape[2] * 8 || hint.shape[3] != x.shape[3] * 8)
            throw new ArgumentException($"control image must be [B,3,{x.shape[2] * 8},{x.shape[3] * 8}] for a latent of [{string.Join(",", x.shape)}], got [{string.Join(",", hint.shape)}]", nameof(hint));
        UnetModel.CheckVector(Config, x.shape[0], y, "ControlNet");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (dtype, device) = (On.DType, On.Device);
        var (emb, ctx) = _timeEmbed.Conditioning(timesteps, context, y, _labelEmbed);

        var guided = hint.to(dtype, device);
        for (int i = 0; i < _hint.Length; i++)
        {
            guided = _hint[i].call(guided);
            if (i < _hint.Length - 1) guided = nn.functional.silu(guided);
        }

        var outs = new Tensor[ResidualCount];
        var h = x.to(dtype, device);
        for (int i = 0; i < _input.Length; i++)
        {
            h = _input[i].Forward(h, emb, ctx);
            if (i == 0) h = h + guided;
            outs[i] = _zeroConvs[i].call(h);
        }
        h = _middle.Forward(h, emb, ctx);
        outs[^1] = _middleOut.call(h);
        foreach (var o in outs) o.MoveToOuterDisposeScope();
        return outs;
    }

    /// <summary>
    /// Loads a ControlNet from the 1.1 release layout (<c>control_model.*</c>), the 1.0 layout (the same keys next to a whole SD
    /// checkpoint) or the prefix-less layout. A file of another family, a diffusers-layout ControlNet, or one whose block
    /// structure differs from <paramref name="unet"/> (another model family or size) is refused naming the file.
    /// </summary>
    public static ControlNetModel Load(StateDictFile file, UnetConfig unet, ModuleDevice on)
    {
        var info = CheckpointInspector.Inspect(file.Path, file.Tensors);
        if (info.Family != CheckpointFamily.ControlNet)
            throw new InvalidDataException($"{file.Path}: not a ControlNet (detected: {info.Description})");
        info.EnsureSupported();
        string prefix = info.ControlNetLayout == ControlNetLayout.PrefixLess ? "" : ReleasePrefix;
        var shapes = file.Tensors.Where(e => e.Name.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(e => e.Name[prefix.Length..], e => e.Shape.ToArray());
        var config = DetectConfig(shapes, file.Path, unet);
        return StateDictBinding.Bound(new ControlNetModel(config, on), model => file.Bind(model, prefix, "ControlNet"));
    }

    /// <summary>A ControlNet from a <c>.safetensors</c> file, or from a PyTorch pickle (<c>.pth</c>, read without running its code).</summary>
    public static ControlNetModel Load(string path, UnetConfig unet, ModuleDevice on)
    {
        using var file = StateDictFile.Open(path);
        return Load(file, unet, on);
    }

    /// <summary>
    /// The encoder structure of the ControlNet's keys. Its levels, widths, ResBlocks and label_emb must equal those of the UNet
    /// it is meant for (the residuals are added to that UNet's skips); its attention may be shallower: sd-webui-controlnet's
    /// SDXL "mid" and "small" ControlNets keep transformers at fewer levels ([0,0,1], middle 1) or none (middle depth 0).
    /// Heads follow the UNet's (SD1.x 8 per transformer, SD2.x/SDXL 64 wide), as those ControlNets' configs do.
    /// </summary>
    private static UnetConfig DetectConfig(Dictionary<string, long[]> shapes, string source, UnetConfig unet)
    {
        // The detector reads the output channels from "out.2"; a ControlNet has no output half, so give it the UNet's.
        if (!shapes.TryGetValue("input_blocks.0.0.weight", out var inConv))
            throw new InvalidDataException($"{source}: ControlNet key 'input_blocks.0.0.weight' is missing");
        var withOut = new Dictionary<string, long[]>(shapes) { ["out.2.weight"] = [unet.OutChannels, inConv[0], 3, 3] };
        var config = UnetConfigDetector.Detect(withOut, source, unet.NumHeads) with { HeadChannels = unet.HeadChannels };
        bool hasCrossAttention = config.ContextDim != 0;
        bool same = config.InChannels == unet.InChannels && config.ModelChannels == unet.ModelChannels
            && config.ChannelMult.SequenceEqual(unet.ChannelMult) && config.NumResBlocks == unet.NumResBlocks
            && config.AdmInChannels == unet.AdmInChannels
            && (!hasCrossAttention || config.ContextDim == unet.ContextDim && config.UseLinearProjection == unet.UseLinearProjection)
            && (unet.AdmInChannels > 0 || config.AttentionLevels.SequenceEqual(unet.AttentionLevels) && config.TransformerDepth == unet.TransformerDepth);
        if (!same)
            throw new InvalidDataException($"{source}: ControlNet for another model family or size (model_channels {config.ModelChannels}, " +
                $"channel_mult [{string.Join(",", config.ChannelMult)}], context_dim {config.ContextDim}, adm_in_channels {config.AdmInChannels}); " +
                $"the UNet has model_channels {unet.ModelChannels}, channel_mult [{string.Join(",", unet.ChannelMult)}], context_dim {unet.ContextDim}, " +
                $"adm_in_channels {unet.AdmInChannels}");
        // Without cross-attention anywhere the context only has to be accepted: take the UNet's width.
        return hasCrossAttention ? config : config with { ContextDim = unet.ContextDim };
    }
}
