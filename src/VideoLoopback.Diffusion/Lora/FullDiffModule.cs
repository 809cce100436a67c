using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Lora;

/// <summary>
/// A full-weight module (<c>diff</c>, optional <c>diff_b</c>): the stored difference itself is the change. Its alpha does not
/// apply (no rank), so the scale is 1 unless the file stores one; the bias difference is added times the multiplier only.
/// </summary>
public sealed class FullDiffModule(string kohyaName, IReadOnlyDictionary<string, Tensor> parts) : NetworkModule(kohyaName, parts)
{
    private readonly Tensor _diff = parts["diff"];

    protected override long? Dimension => null;

    public override long[] DeltaShape => _diff.shape;

    public override Tensor? BiasDelta { get; } = parts.GetValueOrDefault("diff_b");

    protected override Tensor UpDown(Tensor weight, int? dynamicDimension) => _diff.to(weight.device);

    protected override IEnumerable<Tensor?> Tensors => [_diff, BiasDelta];
}
