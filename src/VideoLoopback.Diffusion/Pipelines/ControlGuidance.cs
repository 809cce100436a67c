using VideoLoopback.Diffusion.ControlNet;
using VideoLoopback.Diffusion.Sampling;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// The ControlNet units of one sampler batch. Each unit's hint holds one row per image [B,3,H,W]; at every model call the hints
/// are gathered to the CFG rows, each unit's guidance window is checked against WebUI's sampling step, and the active units'
/// residuals are summed for the UNet.
/// </summary>
public sealed class ControlGuidance
{
    private readonly IReadOnlyList<ControlNetUnit> _units;
    private readonly int _samplingSteps;

    /// <param name="units">The units, their hints [B,3,H,W] in [0,1], one row per image of the batch.</param>
    /// <param name="samplingSteps">The step count WebUI announces for the guidance window (img2img: t_enc + 1).</param>
    public ControlGuidance(IReadOnlyList<ControlNetUnit> units, int samplingSteps)
    {
        if (units.Count == 0) throw new ArgumentException("control guidance needs at least one ControlNet unit", nameof(units));
        _units = units;
        _samplingSteps = samplingSteps;
    }

    /// <summary>The 0-based index of the sampler step whose model calls run now (advanced by the sampler callback).</summary>
    public int SamplerStep { get; set; }

    /// <summary>Summed residuals for the UNet input <paramref name="x"/> [N,C,h,w] of one model call, or null when no unit is active.</summary>
    public Tensor[]? Residuals(Tensor x, Tensor timesteps, ModelConditioning rows)
    {
        using var scope = NewDisposeScope();
        var rowIndex = rows.ImageOfRow.to(_units[0].Hint.device);
        var gathered = _units.Select(u => u with { Hint = u.Hint.index_select(0, rowIndex) }).ToList();
        var residuals = MultiControlNet.Residuals(gathered, x, timesteps, rows.Text, rows.IsPositive, SamplerStep, _samplingSteps, rows.Vector);
        if (residuals is null) return null;
        foreach (var r in residuals) r.MoveToOuterDisposeScope();
        return residuals;
    }
}
