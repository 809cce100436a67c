namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// WebUI's sampler list (v1.10 names, without scheduler suffixes). Old names such as
/// "DPM++ 2M Karras" are split into sampler + scheduler by <see cref="Resolve"/>.
/// </summary>
public static class SamplerRegistry
{
    private static SamplerInfo K(string name, string[] aliases, Scheduler? scheduler, Func<SamplerContext, TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> run,
        bool discard = false, bool ensd = false, bool secondOrder = false, bool brownian = false) =>
        new(name, aliases, scheduler, discard, ensd, secondOrder, brownian, run);

    private static SamplerInfo T(string name, string[] aliases, Func<TimestepSamplerContext, TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> run) =>
        new(name, aliases, null, false, false, false, false, null) { RunTimesteps = run };

    public static IReadOnlyList<SamplerInfo> All { get; } =
    [
        K("DPM++ 2M", ["k_dpmpp_2m"], Scheduler.Karras, DpmPP2M.Sample),
        K("DPM++ SDE", ["k_dpmpp_sde"], Scheduler.Karras, (c, x) => DpmPPSde.Sample(c, x), secondOrder: true, brownian: true),
        K("DPM++ 2M SDE", ["k_dpmpp_2m_sde"], Scheduler.Exponential, (c, x) => DpmPP2MSde.Sample(c, x), brownian: true),
        K("DPM++ 2M SDE Heun", ["k_dpmpp_2m_sde_heun"], Scheduler.Exponential, (c, x) => DpmPP2MSde.Sample(c, x, DpmPP2MSdeSolver.Heun), brownian: true),
        K("DPM++ 2S a", ["k_dpmpp_2s_a"], Scheduler.Karras, DpmPP2SAncestral.Sample, ensd: true, secondOrder: true),
        K("DPM++ 3M SDE", ["k_dpmpp_3m_sde"], Scheduler.Exponential, DpmPP3MSde.Sample, discard: true, brownian: true),
        K("Euler a", ["k_euler_a", "k_euler_ancestral"], null, EulerAncestral.Sample, ensd: true),
        K("Euler", ["k_euler"], null, Euler.Sample),
        K("LMS", ["k_lms"], null, (c, x) => Lms.Sample(c, x)),
        K("Heun", ["k_heun"], null, Heun.Sample, secondOrder: true),
        K("DPM2", ["k_dpm_2"], Scheduler.Karras, Dpm2.Sample, discard: true, secondOrder: true),
        K("DPM2 a", ["k_dpm_2_a"], Scheduler.Karras, Dpm2Ancestral.Sample, discard: true, ensd: true, secondOrder: true),
        // WebUI passes sigma_min = sigmas[-2], sigma_max = sigmas[0] and n = len(sigmas) - 1 to these two.
        K("DPM fast", ["k_dpm_fast"], null, (c, x) => DpmSolver.SampleFast(c, x, c.Sigmas[^2], c.Sigmas[0], c.Sigmas.Count - 1), ensd: true),
        K("DPM adaptive", ["k_dpm_ad"], null, (c, x) => DpmSolver.SampleAdaptive(c, x, c.Sigmas[^2], c.Sigmas[0]).Sample, ensd: true),
        K("Restart", ["restart"], Scheduler.Karras, Restart.Sample, secondOrder: true),
        T("DDIM", ["ddim"], Ddim.Sample),
        T("DDIM CFG++", ["ddim_cfgpp"], DdimCfgPlusPlus.Sample),
        T("PLMS", ["plms"], Plms.Sample),
        T("UniPC", ["unipc"], UniPc.Sample) with { MinimumTimesteps = UniPc.WebUiOrder },
        K("LCM", ["k_lcm"], null, Lcm.Sample) with { WrapEpsModel = Lcm.Wrap, OwnSigmas = Lcm.Sigmas },
    ];

    /// <summary>The sampler named <paramref name="name"/> (name or alias, case-insensitive).</summary>
    public static SamplerInfo Get(string name) =>
        TryGet(name) ?? throw new ArgumentException(
            $"unknown sampler '{name}'; expected one of: {string.Join(", ", All.Select(s => s.Name))}", nameof(name));

    public static SamplerInfo? TryGet(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        var key = name.Trim();
        return All.FirstOrDefault(s => string.Equals(s.Name, key, StringComparison.OrdinalIgnoreCase)
                                       || s.Aliases.Any(a => string.Equals(a, key, StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>
    /// Splits a possibly old-style name ("DPM++ 2M Karras") into sampler and scheduler the way WebUI's
    /// get_sampler_and_scheduler does; an explicit non-automatic scheduler wins over the suffix.
    /// </summary>
    public static (SamplerInfo Sampler, Scheduler Scheduler) Resolve(string samplerName, string? schedulerName = null)
    {
        var scheduler = Scheduler.Get(schedulerName);
        if (TryGet(samplerName) is { } direct) return (direct, scheduler);
        foreach (var candidate in Scheduler.All.Where(s => !s.IsAutomatic))
        {
            var suffix = " " + candidate.Label;
            if (samplerName.Trim().EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && TryGet(samplerName.Trim()[..^suffix.Length]) is { } sampler)
                return (sampler, scheduler.IsAutomatic ? candidate : scheduler);
        }
        return (Get(samplerName), scheduler);
    }
}
