using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Lora;

/// <summary>
/// A LoRA / LoCon module: <c>lora_down</c> [r,in] / [r,in,k,k] and <c>lora_up</c> [out,r] / [out,r,1,1] (float32; PEFT's
/// <c>lora_A</c>/<c>lora_B</c> are the same pair), with the file's optional alpha, scale and dora_scale (none for PEFT-named pairs).
/// </summary>
public sealed class LoraModule(string kohyaName, IReadOnlyDictionary<string, Tensor> parts) : NetworkModule(kohyaName, parts)
{
    public Tensor Down { get; } = parts["lora_down.weight"];
    public Tensor Up { get; } = parts["lora_up.weight"];
    public long Rank => Down.shape[0];

    protected override long? Dimension => Rank;

    public override long[] DeltaShape => [Up.shape[0], .. Down.shape.Skip(1)];

    public override string? Mismatch(long[] weightShape) => base.Mismatch(weightShape)
        ?? (weightShape.Length > 1 && weightShape[1] != Down.shape[1] ? $"makes [{string.Join(",", DeltaShape)}]" : null);

    protected override Tensor UpDown(Tensor weight, int? dynamicDimension)
    {
        var (up2d, down2d) = Factors(weight.device, dynamicDimension);
        return up2d.mm(down2d).reshape(DeltaShape);
    }

    private (Tensor Up, Tensor Down) Factors(Device device, int? dynamicDimension)
    {
        var up2d = Up.to(device).reshape(Up.shape[0], -1);
        var down2d = Down.to(device).reshape(Down.shape[0], -1);
        // dyn_dim: only the first ranks are used while the scale stays alpha / rank, as in WebUI.
        return dynamicDimension is int dyn ? (up2d[.., ..dyn], down2d[..dyn]) : (up2d, down2d);
    }

    /// <summary>
    /// A contiguous float32 weight without DoRA takes the change as one fused multiply-add into its own storage, so merging
    /// allocates nothing the size of the weight; other cases go the general way.
    /// </summary>
    public override void MergeInto(Tensor weight, double multiplier, int? dynamicDimension, Tensor? bias = null)
    {
        if (DoraScale is not null || weight.dtype != ScalarType.Float32 || !weight.is_contiguous())
        {
            base.MergeInto(weight, multiplier, dynamicDimension, bias);
            return;
        }
        using var scope = NewDisposeScope();
        var (up2d, down2d) = Factors(weight.device, dynamicDimension);
        weight.view(weight.shape[0], -1).addmm_(up2d, down2d, beta: 1, alpha: (float)(Scale * multiplier));
    }

    protected override IEnumerable<Tensor?> Tensors => [Down, Up];
}
