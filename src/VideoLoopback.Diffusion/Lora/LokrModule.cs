using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Lora;

/// <summary>
/// A LyCORIS LoKr module: the change is the Kronecker product <c>w1 ⊗ w2</c>, each factor stored whole (<c>lokr_w1</c>,
/// <c>lokr_w2</c>) or as a low-rank pair (<c>lokr_w1_a @ lokr_w1_b</c>; w2 also as a CP reconstruction with <c>lokr_t2</c>).
/// Alpha divides by the rank of w2's pair, else of w1's; with both factors whole the scale is 1, as in WebUI.
/// </summary>
public sealed class LokrModule(string kohyaName, IReadOnlyDictionary<string, Tensor> parts) : NetworkModule(kohyaName, parts)
{
    private readonly Tensor? _w1 = parts.GetValueOrDefault("lokr_w1"), _w1a = parts.GetValueOrDefault("lokr_w1_a"),
        _w1b = parts.GetValueOrDefault("lokr_w1_b"), _w2 = parts.GetValueOrDefault("lokr_w2"),
        _w2a = parts.GetValueOrDefault("lokr_w2_a"), _w2b = parts.GetValueOrDefault("lokr_w2_b"), _t2 = parts.GetValueOrDefault("lokr_t2");

    public static bool Recognises(IReadOnlyDictionary<string, Tensor> parts) =>
        (parts.ContainsKey("lokr_w1") || (parts.ContainsKey("lokr_w1_a") && parts.ContainsKey("lokr_w1_b")))
        && (parts.ContainsKey("lokr_w2") || (parts.ContainsKey("lokr_w2_a") && parts.ContainsKey("lokr_w2_b")));

    protected override long? Dimension => _w2b?.shape[0] ?? _w1b?.shape[0];

    private long[] FirstShape => _w1?.shape ?? [_w1a!.shape[0], _w1b!.shape[1]];

    private long[] SecondShape => _w2?.shape ?? (_t2 is not null ? [_w2a!.shape[1], _w2b!.shape[1], .. _t2.shape.Skip(2)] : [_w2a!.shape[0], _w2b!.shape[1]]);

    public override long[] DeltaShape
    {
        get
        {
            long[] first = FirstShape, second = SecondShape;
            return [first[0] * second[0], first[1] * second[1], .. second.Skip(2)];
        }
    }

    protected override Tensor UpDown(Tensor weight, int? dynamicDimension)
    {
        var device = weight.device;
        var first = _w1?.to(device) ?? _w1a!.to(device).mm(_w1b!.to(device));
        var second = _w2?.to(device)
            ?? (_t2 is not null ? CpWeight(_t2.to(device), _w2a!.to(device), _w2b!.to(device)) : _w2a!.to(device).mm(_w2b!.to(device)));
        if (second.ndim == 4) first = first.unsqueeze(2).unsqueeze(2);
        return kron(first, second.contiguous()).reshape(DeltaShape);
    }

    protected override IEnumerable<Tensor?> Tensors => [_w1, _w1a, _w1b, _w2, _w2a, _w2b, _t2];
}
