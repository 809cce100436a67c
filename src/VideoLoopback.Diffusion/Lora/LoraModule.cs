using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Lora;

/// <summary>
/// One kohya LoRA module: <c>lora_down</c> [r,in] / [r,in,k,k] and <c>lora_up</c> [out,r] / [out,r,1,1] (float32), its
/// optional <c>alpha</c>, and where WebUI puts it in the LDM layout.
/// </summary>
public sealed class LoraModule(string kohyaName, Tensor down, Tensor up, double? alpha) : IDisposable
{
    public string KohyaName { get; } = kohyaName;
    public string NetworkLayerName { get; } = KohyaLoraNames.ToNetworkLayerName(kohyaName);
    public string? LdmWeightKey => KohyaLoraNames.ToLdmWeightKey(NetworkLayerName);
    public bool IsTextEncoder => KohyaLoraNames.IsTextEncoderLayer(NetworkLayerName);
    public Tensor Down { get; } = down;
    public Tensor Up { get; } = up;
    public double? Alpha { get; } = alpha;
    public long Rank => Down.shape[0];

    /// <summary>WebUI's calc_scale: alpha / rank, or 1 when the file has no alpha.</summary>
    public double Scale => Alpha is double a ? a / Rank : 1.0;

    /// <summary>
    /// Adds the weight change <c>reshape(up2d @ down2d) * scale * multiplier</c> to <paramref name="weight"/> in place (WebUI's
    /// finalize_updown then weight += updown). With <paramref name="dynamicDimension"/> only the first ranks are used while the
    /// scale stays alpha/rank, as in WebUI. A contiguous float32 weight takes it as one fused multiply-add into its own storage,
    /// so merging allocates nothing the size of the weight; other dtypes add in float32 and round back.
    /// </summary>
    public void MergeInto(Tensor weight, double multiplier, int? dynamicDimension)
    {
        using var scope = NewDisposeScope();
        var up2d = Up.to(weight.device).reshape(Up.shape[0], -1);
        var down2d = Down.to(weight.device).reshape(Down.shape[0], -1);
        if (dynamicDimension is int dyn)
        {
            up2d = up2d[.., ..dyn];
            down2d = down2d[..dyn];
        }
        double factor = Scale * multiplier;
        if (weight.dtype == ScalarType.Float32 && weight.is_contiguous())
            weight.view(weight.shape[0], -1).addmm_(up2d, down2d, beta: 1, alpha: (float)factor);
        else
            weight.copy_((weight.to(ScalarType.Float32) + up2d.mm(down2d).reshape(weight.shape) * factor).to(weight.dtype));
    }

    public void Dispose()
    {
        Down.Dispose();
        Up.Dispose();
    }
}
