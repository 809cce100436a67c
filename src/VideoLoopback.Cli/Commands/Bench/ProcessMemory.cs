using System.Diagnostics;
using System.Globalization;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>
/// Resident memory of this process from /proc/self/status (Linux), or the working set .NET reports elsewhere.
/// VmHWM is the peak over the whole process lifetime unless <see cref="TryResetPeak"/> clears it; a benchmark phase that
/// wants its own peak where that is not allowed must run in a fresh process.
/// </summary>
public static class ProcessMemory
{
    private const string Status = "/proc/self/status";

    /// <summary>Peak resident set size in bytes (VmHWM).</summary>
    public static long PeakResidentBytes()
    {
        if (Read("VmHWM:") is { } peak) return peak;
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }

    /// <summary>Current resident set size in bytes (VmRSS).</summary>
    public static long ResidentBytes()
    {
        if (Read("VmRSS:") is { } resident) return resident;
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    /// <summary>Resets the peak (VmHWM) to the current size: writing 5 to /proc/self/clear_refs; false where not allowed.</summary>
    public static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Minor page faults of this process so far (field 10 of /proc/self/stat); 0 where unknown.</summary>
    public static long MinorFaults()
    {
        const string stat = "/proc/self/stat";
        if (!File.Exists(stat)) return 0;
        var text = File.ReadAllText(stat);
        // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }

    /// <summary>Anonymous memory of this process on transparent huge pages (AnonHugePages of smaps_rollup); 0 where unknown.</summary>
    public static long AnonHugePageBytes()
    {
        const string rollup = "/proc/self/smaps_rollup";
        if (!File.Exists(rollup)) return 0;
        foreach (var line in File.ReadLines(rollup))
            if (line.StartsWith("AnonHugePages:", StringComparison.Ordinal))
                return long.Parse(line["AnonHugePages:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        return 0;
    }

    private static long? Read(string field)
    {
        if (!File.Exists(Status)) return null;
        foreach (var line in File.ReadLines(Status))
        {
            if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
            // "VmHWM:	  123456 kB"
            var parts = line[field.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
        }
        return null;
    }
}
