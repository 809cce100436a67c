using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Lora;

/// <summary>
/// One module of a LoRA-family file (LoRA/LoCon, LoHa, LoKr, full diff), placed in the LDM layout the way WebUI's Lora
/// extension places it, and merged as WebUI's <c>finalize_updown</c> does: the module's change, reshaped to the weight, times
/// its scale (the file's <c>scale</c>, else alpha / dimension, else 1), DoRA-decomposed when the file has <c>dora_scale</c>, and
/// times the multiplier. Factors are float32 on the CPU and move to the weight's device when merged.
/// </summary>
public abstract class NetworkModule(string kohyaName, IReadOnlyDictionary<string, Tensor> parts) : IDisposable
{
    public string KohyaName { get; } = kohyaName;

    // The SD1.x placement, which needs no model; LoraMerger places modules for the model at hand (NetworkLayerMap).
    public string NetworkLayerName { get; } = KohyaLoraNames.ToNetworkLayerName(kohyaName);
    public string? LdmWeightKey => KohyaLoraNames.ToLdmWeightKey(NetworkLayerName);
    public bool IsTextEncoder => KohyaLoraNames.IsTextEncoderLayer(NetworkLayerName);
    public double? Alpha { get; } = ScalarOf(parts, "alpha");

    /// <summary>A scale stored in the file, which takes the place of alpha / dimension.</summary>
    public double? FileScale { get; } = ScalarOf(parts, "scale");

    /// <summary>DoRA's magnitude (WebUI: per input channel, [1,in] or [1,in,1,1]), or null.</summary>
    public Tensor? DoraScale { get; } = parts.GetValueOrDefault("dora_scale");

    /// <summary>The dimension alpha is divided by (the rank), or null where the file's alpha does not apply.</summary>
    protected abstract long? Dimension { get; }

    /// <summary>WebUI's calc_scale.</summary>
    public double Scale => FileScale ?? (Dimension is long d && Alpha is double a ? a / d : 1.0);

    /// <summary>The shape of the change the module makes before it is reshaped to the weight.</summary>
    public abstract long[] DeltaShape { get; }

    /// <summary>A change to the layer's bias (full-diff <c>diff_b</c>), added times the multiplier only; null for none.</summary>
    public virtual Tensor? BiasDelta => null;

    /// <summary>The change, float32 on <paramref name="weight"/>'s device, before scale and multiplier, in <see cref="DeltaShape"/>.</summary>
    protected abstract Tensor UpDown(Tensor weight, int? dynamicDimension);

    /// <summary>Why the module cannot change a weight of <paramref name="weightShape"/>, or null when it fits.</summary>
    public virtual string? Mismatch(long[] weightShape)
    {
        long numel = DeltaShape.Aggregate(1L, (a, b) => a * b), weightNumel = weightShape.Aggregate(1L, (a, b) => a * b);
        return DeltaShape[0] == weightShape[0] && numel == weightNumel ? null : $"makes [{string.Join(",", DeltaShape)}]";
    }

    /// <summary>
    /// Adds <c>change * scale</c> (DoRA-decomposed against the weight as it is now, when the file has dora_scale) times
    /// <paramref name="multiplier"/> to <paramref name="weight"/> in place, and <c>diff_b * multiplier</c> to <paramref name="bias"/>.
    /// </summary>
    public virtual void MergeInto(Tensor weight, double multiplier, int? dynamicDimension, Tensor? bias = null)
    {
        using var scope = NewDisposeScope();
        var original = weight.to(ScalarType.Float32);
        var updown = UpDown(weight, dynamicDimension).reshape(weight.shape) * Scale;
        if (DoraScale is not null) updown = Decompose(updown, original);
        weight.copy_((original + updown * multiplier).to(weight.dtype));
        if (BiasDelta is not null && bias is not null)
            bias.copy_((bias.to(ScalarType.Float32) + BiasDelta.to(bias.device) * multiplier).to(bias.dtype));
    }

    /// <summary>
    /// WebUI's apply_weight_decompose: the merged weight rescaled so each input channel's norm (over outputs and kernel) is the
    /// file's magnitude, as a change to the weight.
    /// </summary>
    private Tensor Decompose(Tensor updown, Tensor weight)
    {
        var merged = updown + weight;
        long inputs = merged.shape[1];
        long[] normShape = [inputs, .. Enumerable.Repeat(1L, (int)merged.ndim - 1)];
        var norm = merged.transpose(0, 1).reshape(inputs, -1).norm(1, true).reshape(normShape).transpose(0, 1);
        return merged * (DoraScale!.to(weight.device) / norm) - weight;
    }

    /// <summary>LyCORIS's CP reconstruction: core t [r,r,k,k] with wa [r,out], wb [r,in] -> [out,in,k,k].</summary>
    protected static Tensor CpWeight(Tensor t, Tensor wa, Tensor wb) =>
        einsum("ijkl,ir->rjkl", einsum("ijkl,jr->irkl", t, wb), wa);

    /// <summary>up [out,r,...] @ down [r,in,...] flattened to 2-D, reshaped to <paramref name="shape"/>.</summary>
    protected static Tensor Conventional(Tensor up, Tensor down, long[] shape) =>
        up.reshape(up.shape[0], -1).mm(down.reshape(down.shape[0], -1)).reshape(shape);

    private static double? ScalarOf(IReadOnlyDictionary<string, Tensor> parts, string name) =>
        parts.TryGetValue(name, out var t) ? t.to(ScalarType.Float64).reshape(-1)[0].item<double>() : null;

    /// <summary>Every tensor the module holds, for disposal.</summary>
    protected abstract IEnumerable<Tensor?> Tensors { get; }

    public void Dispose()
    {
        foreach (var t in Tensors) t?.Dispose();
        DoraScale?.Dispose();
        GC.SuppressFinalize(this);
    }
}
