using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// What a multistep sampler remembers of its previous steps: their denoised estimates and step sizes h, newest first.
/// The estimates are moved out of their step's dispose scope when recorded, freed when a newer step pushes them out,
/// and the rest when the sampler ends (dispose the history).
/// </summary>
internal sealed class DenoisedHistory(int length) : IDisposable
{
    private readonly Tensor?[] _denoised = new Tensor?[length];
    private readonly double?[] _h = new double?[length];

    /// <summary>The denoised estimate of <paramref name="stepsBack"/> steps ago (1 = the previous step); null before that step.</summary>
    public Tensor? Denoised(int stepsBack) => _denoised[stepsBack - 1];

    /// <summary>The h of <paramref name="stepsBack"/> steps ago, as <see cref="Push"/> recorded it; null before that step.</summary>
    public double? H(int stepsBack) => _h[stepsBack - 1];

    /// <summary>Records this step's denoised estimate and h; call it inside the step's dispose scope.</summary>
    public void Push(Tensor denoised, double? h)
    {
        _denoised[^1]?.Dispose();
        Array.Copy(_denoised, 0, _denoised, 1, length - 1);
        Array.Copy(_h, 0, _h, 1, length - 1);
        _denoised[0] = denoised.MoveToOuterDisposeScope();
        _h[0] = h;
    }

    public void Dispose()
    {
        foreach (var denoised in _denoised) denoised?.Dispose();
    }
}
