using System.Diagnostics;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>The networks of a Stable Diffusion model whose forwards are accounted for.</summary>
public enum ModelNetwork
{
    Unet,
    Vae,
    Clip,
}

/// <summary>
/// Wall time and FLOPs (<see cref="NetworkFlops"/>) spent in each network's forwards, so callers can report the share of a
/// run spent in the networks, what lies outside them, and the networks' arithmetic rate.
/// </summary>
public sealed class NetworkForwards
{
    private readonly Stopwatch[] _time = Enum.GetValues<ModelNetwork>().Select(_ => new Stopwatch()).ToArray();
    private readonly double[] _flops = new double[Enum.GetValues<ModelNetwork>().Length];
    private readonly Stopwatch _any = new();

    public TimeSpan Time(ModelNetwork network) => _time[(int)network].Elapsed;

    public double Flops(ModelNetwork network) => _flops[(int)network];

    /// <summary>Wall time inside any network forward (a forward nested in another counts once).</summary>
    public TimeSpan TotalTime => _any.Elapsed;

    public double TotalFlops => _flops.Sum();

    /// <summary>Runs <paramref name="work"/> counting its time for <paramref name="network"/>; nested calls count once, for the outer network.</summary>
    public T Run<T>(ModelNetwork network, Func<T> work)
    {
        if (_any.IsRunning) return work();
        var clock = _time[(int)network];
        _any.Start();
        clock.Start();
        try { return work(); }
        finally
        {
            clock.Stop();
            _any.Stop();
        }
    }

    public void AddFlops(ModelNetwork network, double flops) => _flops[(int)network] += flops;
}
