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
    /// The weight change <c>reshape(up2d @ down2d) * scale * multiplier</c> in float32 on <paramref name="device"/>, shaped like
    /// the target weight. With <paramref name="dynamicDimension"/> only the first ranks are used while the scale stays alpha/rank,
    /// as in WebUI.
    /// </summary>
    public Tensor Delta(long[] weightShape, double multiplier, int? dynamicDimension, Device device)
    {
        using var scope = NewDisposeScope();
        var up2d = Up.to(device).reshape(Up.shape[0], -1);
        var down2d = Down.to(device).reshape(Down.shape[0], -1);
        if (dynamicDimension is int dyn)
        {
            up2d = up2d[.., ..dyn];
            down2d = down2d[..dyn];
        }
        var delta = up2d.mm(down2d).reshape(weightShape) * Scale * multiplier;
        return delta.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Down.Dispose();
        Up.Dispose();
    }
}
