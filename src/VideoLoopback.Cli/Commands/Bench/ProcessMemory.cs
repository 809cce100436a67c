namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>
/// Resident memory of this process from /proc/self/status (Linux). VmHWM is the peak over the whole
/// process lifetime, so a benchmark phase that wants its own peak must run in a fresh process.
/// </summary>
public static class ProcessMemory
{
    /// <summary>Peak resident set size in bytes (VmHWM), or null where /proc is not available.</summary>
    public static long? PeakResidentBytes() => Read("VmHWM:");

    /// <summary>Current resident set size in bytes (VmRSS), or null where /proc is not available.</summary>
    public static long? ResidentBytes() => Read("VmRSS:");

    private static long? Read(string field)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return null;
        foreach (var line in File.ReadLines(status))
        {
            if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
            // "VmHWM:	  123456 kB"
            var parts = line[field.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        return null;
    }
}
