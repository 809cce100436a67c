using System.Reflection;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// The table of job parameters, read from the <see cref="JobKeyAttribute"/> declarations of <see cref="JobSpec"/> in their
/// order: the settings-JSON keys, the render options, the schedules and the range checks all follow from it.
/// </summary>
public static class JobParameters
{
    public static IReadOnlyList<JobParameter> All { get; } = typeof(JobSpec).GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => (Property: p, Declared: p.GetCustomAttribute<JobKeyAttribute>()))
        .Where(p => p.Declared is not null)
        .Select(p => new JobParameter(p.Property, p.Declared!))
        .OrderBy(p => p.DeclarationLine)
        .ToList();

    private static readonly Dictionary<string, JobParameter> ByKey = All.ToDictionary(p => p.Key);
    private static readonly Dictionary<string, JobParameter> ByProperty = All.ToDictionary(p => p.PropertyName);
    private static readonly Dictionary<string, JobParameter> ByOption = All.SelectMany(p => p.OptionNames, (p, name) => (p, name))
        .ToDictionary(x => x.name, x => x.p);

    /// <summary>The parameter with settings-JSON key <paramref name="key"/>, or null.</summary>
    public static JobParameter? Find(string key) => ByKey.GetValueOrDefault(key);

    /// <summary>The parameter a <see cref="JobSpec"/> property declares: <c>Of(nameof(JobSpec.StepSchedule)).Key</c> is step_schedule.</summary>
    public static JobParameter Of(string propertyName) => ByProperty[propertyName];

    public static IEnumerable<JobParameter> Schedules => All.Where(p => p.IsSchedule);

    /// <summary>
    /// Render options over a job: each option (by name, its values in the order given) replaces its parameter's value.
    /// A resumed run keeps its settings, so then only the parameters that do not change the frames are taken.
    /// </summary>
    public static JobSpec ApplyOptions(JobSpec job, IEnumerable<IGrouping<string, string?>> options, bool resuming = false)
    {
        var given = new Dictionary<JobParameter, List<string?>>();
        foreach (var option in options)
        {
            var parameter = ByOption.GetValueOrDefault(option.Key)
                ?? throw new JobException($"unknown option '{option.Key}' (see videoloopback render --help)");
            if (!given.TryGetValue(parameter, out var values)) given[parameter] = values = [];
            values.AddRange(option);
        }
        foreach (var (parameter, values) in given.OrderBy(g => g.Key.DeclarationLine))
            if (!resuming || parameter.ResumeMayChange) job = parameter.With(job, parameter.FromOption(values));
        return job;
    }
}
