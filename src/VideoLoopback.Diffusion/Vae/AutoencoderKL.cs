using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Vae;

/// <summary>
/// The SD first-stage model. Names: encoder.*, decoder.*, quant_conv, post_quant_conv (the keys under
/// <c>first_stage_model.</c> of a checkpoint, or the whole of a standalone VAE file). The 0.18215 latent scale is the
/// pipeline's business, not the VAE's.
/// </summary>
public sealed class AutoencoderKL : nn.Module
{
    private readonly VaeEncoder _encoder;
    private readonly VaeDecoder _decoder;
    private readonly Conv2d _quantConv, _postQuantConv;

    public AutoencoderKL(VaeConfig config, ModuleDevice on) : base(nameof(AutoencoderKL))
    {
        Config = config;
        On = on;
        _encoder = new VaeEncoder(config, on);
        _decoder = new VaeDecoder(config, on);
        _quantConv = Layers.Conv(2 * config.ZChannels, 2 * config.EmbedDim, 1, on);
        _postQuantConv = Layers.Conv(config.EmbedDim, config.ZChannels, 1, on);
        register_module("encoder", _encoder);
        register_module("decoder", _decoder);
        register_module("quant_conv", _quantConv);
        register_module("post_quant_conv", _postQuantConv);
        eval();
    }

    public VaeConfig Config { get; }
    public ModuleDevice On { get; }

    /// <summary>
    /// A copy of this VAE computing in <paramref name="dtype"/> on the same device (weights converted; this one is left as
    /// it is). For a VAE whose activations overflow float16 (the original SDXL VAE), as WebUI's automatic VAE precision does.
    /// </summary>
    public AutoencoderKL WithDType(ScalarType dtype)
    {
        var copy = new AutoencoderKL(Config, On with { DType = dtype });
        using var noGrad = no_grad();
        var source = named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in copy.named_parameters()) parameter.copy_(source[name]);
        return copy;
    }

    /// <summary>image [B,3,H,W] in [-1,1] (H, W multiples of 8) -> moments [B,2E,H/8,W/8] in the image's dtype.</summary>
    public Tensor EncodeMoments(Tensor image, VaeTiling? tiling = null)
    {
        int f = Config.DownscaleFactor;
        if (image.ndim != 4 || image.shape[1] != Config.ImageChannels || image.shape[2] % f != 0 || image.shape[3] % f != 0)
            throw new ArgumentException($"VAE encode needs [B,{Config.ImageChannels},H,W] with H and W multiples of {f}, got [{string.Join(",", image.shape)}]", nameof(image));
        return Run(image, tiling, f, scaleOut: 1.0 / f, 2 * Config.EmbedDim, EncodeTile);
    }

    /// <summary>image [B,3,H,W] -> the posterior (mean, clamped logvar), each [B,E,H/8,W/8].</summary>
    public DiagonalGaussian Encode(Tensor image, VaeTiling? tiling = null)
    {
        using var moments = EncodeMoments(image, tiling);
        return new DiagonalGaussian(moments);
    }

    /// <summary>z [B,E,h,w] (already divided by the latent scale) -> image [B,3,8h,8w], unclamped, in z's dtype.</summary>
    public Tensor Decode(Tensor z, VaeTiling? tiling = null)
    {
        if (z.ndim != 4 || z.shape[1] != Config.EmbedDim)
            throw new ArgumentException($"VAE decode needs [B,{Config.EmbedDim},h,w], got [{string.Join(",", z.shape)}]", nameof(z));
        return Run(z, tiling, 1, scaleOut: Config.DownscaleFactor, Config.OutChannels, DecodeTile);
    }

    /// <summary>
    /// <paramref name="tile"/> on <paramref name="input"/> in the network's dtype on its device, whole or tile by tile (see
    /// <see cref="TiledVae.Run"/>), returned in the input's dtype.
    /// </summary>
    private Tensor Run(Tensor input, VaeTiling? tiling, int inputScale, double scaleOut, long outChannels, Func<Tensor, Tensor> tile)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var x = input.to(On.DType, On.Device);
        var result = tiling is null ? tile(x) : TiledVae.Run(x, tiling, inputScale, scaleOut, outChannels, tile);
        return result.to(input.dtype).MoveToOuterDisposeScope();
    }

    private Tensor EncodeTile(Tensor image)
    {
        using var h = _encoder.call(image);
        return _quantConv.call(h);
    }

    private Tensor DecodeTile(Tensor z)
    {
        using var h = _postQuantConv.call(z);
        return _decoder.call(h);
    }
}
