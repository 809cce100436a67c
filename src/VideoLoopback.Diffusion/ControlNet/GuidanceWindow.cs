namespace VideoLoopback.Diffusion.ControlNet;

/// <summary>
/// Guidance start/end of a ControlNet unit as sd-webui-controlnet applies them: control is off when
/// <c>step/steps &lt; start</c> or <c>&gt; end</c>, where <c>step</c> is WebUI's <c>state.sampling_step</c>. WebUI updates that in
/// the sampler callback after each step's model calls, so the calls of sampler step i (0-based) see max(i-1, 0).
/// <c>steps</c> is the number of sampling steps WebUI announces: the steps for txt2img, <c>t_enc + 1</c> for img2img.
/// </summary>
public static class GuidanceWindow
{
    /// <summary>What a unit's start/end must satisfy: 0 &lt;= start &lt;= end &lt;= 1 (NaN never does).</summary>
    public const string RangeRule = "0 <= start <= end <= 1";

    public static bool IsValidRange(double start, double end) => start >= 0 && start <= end && end <= 1;

    public static bool IsActive(int samplerStep, int samplingSteps, double start, double end)
    {
        if (samplingSteps <= 0) throw new ArgumentOutOfRangeException(nameof(samplingSteps), samplingSteps, "sampling steps must be positive");
        if (!IsValidRange(start, end))
            throw new ArgumentOutOfRangeException(nameof(start), $"guidance start {start} / end {end} must satisfy {RangeRule}");
        double percent = (double)Math.Max(samplerStep - 1, 0) / samplingSteps;
        return !(percent < start || percent > end);
    }
}
