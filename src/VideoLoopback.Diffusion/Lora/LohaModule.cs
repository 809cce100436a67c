using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Lora;

/// <summary>
/// A LyCORIS LoHa module: the change is the element-wise product of two low-rank products, <c>(w1_a @ w1_b) * (w2_a @ w2_b)</c>,
/// or, with the CP cores <c>hada_t1</c>/<c>hada_t2</c> of convolutions, of two CP reconstructions. Alpha divides by w1_b's rank.
/// </summary>
public sealed class LohaModule(string kohyaName, IReadOnlyDictionary<string, Tensor> parts) : NetworkModule(kohyaName, parts)
{
    private readonly Tensor _w1a = parts["hada_w1_a"], _w1b = parts["hada_w1_b"], _w2a = parts["hada_w2_a"], _w2b = parts["hada_w2_b"];
    private readonly Tensor? _t1 = parts.GetValueOrDefault("hada_t1"), _t2 = parts.GetValueOrDefault("hada_t2");

    protected override long? Dimension => _w1b.shape[0];

    public override long[] DeltaShape => _t1 is not null
        ? [_w1a.shape[1], _w1b.shape[1], .. _t1.shape.Skip(2)]
        : [_w1a.shape[0], .. _w1b.shape.Skip(1)];

    protected override Tensor UpDown(Tensor weight, int? dynamicDimension)
    {
        var device = weight.device;
        var shape = DeltaShape;
        var first = _t1 is not null ? CpWeight(_t1.to(device), _w1a.to(device), _w1b.to(device)) : Conventional(_w1a.to(device), _w1b.to(device), shape);
        var second = _t2 is not null ? CpWeight(_t2.to(device), _w2a.to(device), _w2b.to(device)) : Conventional(_w2a.to(device), _w2b.to(device), shape);
        return first * second;
    }

    protected override IEnumerable<Tensor?> Tensors => [_w1a, _w1b, _w2a, _w2b, _t1, _t2];
}
