namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// A named sigma schedule as WebUI lists it ("Schedule type"): its internal name, its UI label and
/// the function that builds n steps. "Automatic" has no function: it means the sampler's default.
/// </summary>
public sealed record Scheduler(string Name, string Label, Func<int, DiscreteSchedule, float[]>? Build, params string[] Aliases)
{
    public bool IsAutomatic => Build is null;

    public static Scheduler Automatic { get; } = new("automatic", "Automatic", null);
    public static Scheduler Uniform { get; } = new("uniform", "Uniform", SigmaSchedules.Uniform);
    public static Scheduler Karras { get; } = new("karras", "Karras", (n, m) => SigmaSchedules.Karras(n, m.SigmaMin, m.SigmaMax));
    public static Scheduler Exponential { get; } = new("exponential", "Exponential", (n, m) => SigmaSchedules.Exponential(n, m.SigmaMin, m.SigmaMax));
    public static Scheduler Polyexponential { get; } = new("polyexponential", "Polyexponential", (n, m) => SigmaSchedules.Polyexponential(n, m.SigmaMin, m.SigmaMax));
    public static Scheduler SgmUniform { get; } = new("sgm_uniform", "SGM Uniform", SigmaSchedules.SgmUniform, "SGMUniform");
    public static Scheduler KlOptimal { get; } = new("kl_optimal", "KL Optimal", (n, m) => SigmaSchedules.KlOptimal(n, m.SigmaMin, m.SigmaMax));
    public static Scheduler AlignYourSteps { get; } = new("align_your_steps", "Align Your Steps", (n, _) => SigmaSchedules.AlignYourSteps(n));
    public static Scheduler Simple { get; } = new("simple", "Simple", SigmaSchedules.Simple);
    public static Scheduler Normal { get; } = new("normal", "Normal", SigmaSchedules.Normal);
    public static Scheduler Ddim { get; } = new("ddim", "DDIM", SigmaSchedules.Ddim);
    public static Scheduler Beta { get; } = new("beta", "Beta", (n, m) => SigmaSchedules.Beta(n, m.SigmaMin, m.SigmaMax));

    public static IReadOnlyList<Scheduler> All { get; } =
        [Automatic, Uniform, Karras, Exponential, Polyexponential, SgmUniform, KlOptimal, AlignYourSteps, Simple, Normal, Ddim, Beta];

    /// <summary>Finds a scheduler by name, label or alias (case-insensitive); an empty name means Automatic.</summary>
    public static Scheduler Get(string? nameOrLabel)
    {
        if (string.IsNullOrWhiteSpace(nameOrLabel)) return Automatic;
        var key = nameOrLabel.Trim();
        foreach (var scheduler in All)
        {
            if (string.Equals(scheduler.Name, key, StringComparison.OrdinalIgnoreCase)
                || string.Equals(scheduler.Label, key, StringComparison.OrdinalIgnoreCase)
                || scheduler.Aliases.Any(a => string.Equals(a, key, StringComparison.OrdinalIgnoreCase)))
                return scheduler;
        }
        throw new ArgumentException(
            $"unknown scheduler '{nameOrLabel}'; expected one of: {string.Join(", ", All.Select(s => s.Label))}", nameof(nameOrLabel));
    }
}
