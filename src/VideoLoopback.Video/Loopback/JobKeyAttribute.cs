using System.Runtime.CompilerServices;

namespace VideoLoopback.Video.Loopback;

/// <summary>How the settings JSON writes a parameter.</summary>
public enum JobKeyWrite
{
    /// <summary>One of the original's keys: always written, in declaration order (the original's order).</summary>
    Always,
    /// <summary>One of ours: written after the original's keys, only when it differs from its default.</summary>
    WhenChanged,
    /// <summary>Read from a job file, never written (describes this machine's run, not the job).</summary>
    Never,
}

/// <summary>
/// Declares a <see cref="JobSpec"/> property a job parameter: the one place that gives its settings-JSON key, command-line
/// option and help line, range and how it is written. <see cref="JobParameters"/> reads these declarations.
/// </summary>
/// <param name="key">The settings-JSON key (the original's name where it has one).</param>
/// <param name="valueName">The option's value placeholder in the help, e.g. <c>N</c> or <c>PATH</c>.</param>
/// <param name="help">The option's help line.</param>
/// <param name="line">Filled in by the compiler: declarations keep their order (the settings JSON's key order).</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class JobKeyAttribute(string key, string valueName, string help, [CallerLineNumber] int line = 0) : Attribute
{
    public string Key { get; } = key;
    public string ValueName { get; } = valueName;
    public string Help { get; } = help;
    public int Line { get; } = line;

    /// <summary>Option names, <c>|</c>-separated, where they are not <c>--</c> and the key in kebab-case.</summary>
    public string? Option { get; set; }

    /// <summary>A Python schedule expression, evaluated per frame.</summary>
    public bool Schedule { get; set; }

    /// <summary>Lowest valid value (NaN: no lower bound); see <see cref="MinExclusive"/>.</summary>
    public double Min { get; set; } = double.NaN;

    /// <summary>The value must be above <see cref="Min"/> (NaN fails); otherwise at least <see cref="Min"/>.</summary>
    public bool MinExclusive { get; set; }

    /// <summary>Highest valid value (NaN: no upper bound).</summary>
    public double Max { get; set; } = double.NaN;

    /// <summary>What a range error says was expected, where "at least Min" or "Min..Max" is not clear enough.</summary>
    public string? Expected { get; set; }

    public JobKeyWrite Write { get; set; } = JobKeyWrite.Always;

    /// <summary>A path written absolute, so a resumed run finds the same file from any folder.</summary>
    public bool WrittenAsFullPath { get; set; }

    /// <summary>A whole number is written without a fraction (the original's sliders give ints: 30, not 30.0).</summary>
    public bool IntegralWrittenAsInt { get; set; }

    /// <summary>The value a JSON null reads as, where it is not null, "" or an empty list.</summary>
    public object? NullReadsAs { get; set; }

    /// <summary>
    /// A switch WebUI writes as 0/1 or as a bool (its radio indexes and checkboxes): a bool parameter also reads 0 and 1, an
    /// int parameter also reads true and false.
    /// </summary>
    public bool BoolOrInt { get; set; }

    /// <summary>The command line may change it when resuming a run (it does not change the frames).</summary>
    public bool ResumeMayChange { get; set; }
}
