using System.Runtime.InteropServices;
using System.Text;

namespace VideoLoopback.Cli;

/// <summary>
/// Runs the heavy commands on tcmalloc. glibc's malloc hands libtorch's large activation buffers back to the kernel after
/// every layer and the next layer faults them in again page by page; on the development VM that cost a third of the CPU
/// time and made the full-size UNet 3x slower than with tcmalloc, which keeps freed memory for reuse. An allocator must be
/// in place before anything allocates, so the process replaces itself (execve, same process id, same arguments, same
/// standard streams and signal dispositions) with <c>LD_PRELOAD</c> naming tcmalloc. Child processes (ffmpeg) get the
/// environment as it was. <c>VIDEOLOOPBACK_ALLOCATOR=system</c> keeps glibc's malloc.
/// </summary>
public static class CachingAllocator
{
    private const string ChoiceVariable = "VIDEOLOOPBACK_ALLOCATOR";
    private const string SavedPreloadVariable = "VIDEOLOOPBACK_SAVED_LD_PRELOAD";
    private const string LibraryName = "libtcmalloc_minimal.so.4";

    /// <summary>Where Debian and other distributions put the library (libtcmalloc-minimal4; gperftools-libs).</summary>
    private static readonly string[] LibraryFolders =
    [
        "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib",
    ];

    [DllImport("libc", SetLastError = true)]
    private static extern int execve(string path, IntPtr[] argv, IntPtr[] envp);

    /// <summary>
    /// Re-executes the process with tcmalloc preloaded when it is installed and not loaded yet; returns only when the
    /// process goes on as it is (already on tcmalloc, opted out, not Linux, library absent, or exec failed).
    /// </summary>
    public static void EnsureLoaded()
    {
        if (!OperatingSystem.IsLinux()) return;
        if (Environment.GetEnvironmentVariable(SavedPreloadVariable) is { } saved)
        {
            // Second start: tcmalloc is mapped; children get the LD_PRELOAD the user had.
            Environment.SetEnvironmentVariable("LD_PRELOAD", saved.Length == 0 ? null : saved);
            Environment.SetEnvironmentVariable(SavedPreloadVariable, null);
            return;
        }
        if (string.Equals(Environment.GetEnvironmentVariable(ChoiceVariable), "system", StringComparison.OrdinalIgnoreCase)) return;
        if (ActiveName() != "glibc malloc") return;
        var library = FindLibrary();
        if (library is null) return;

        var executable = File.ResolveLinkTarget("/proc/self/exe", returnFinalTarget: true)?.FullName;
        if (executable is null) return;
        // The arguments and environment exactly as this process received them, bytes and all.
        var arguments = SplitNulTerminated(File.ReadAllBytes("/proc/self/cmdline"));
        var environment = SplitNulTerminated(File.ReadAllBytes("/proc/self/environ"));
        var previous = Environment.GetEnvironmentVariable("LD_PRELOAD") ?? "";
        environment.RemoveAll(v => StartsWith(v, "LD_PRELOAD=") || StartsWith(v, SavedPreloadVariable + "="));
        environment.Add(Encoding.UTF8.GetBytes($"LD_PRELOAD={(previous.Length == 0 ? library : library + ":" + previous)}"));
        environment.Add(Encoding.UTF8.GetBytes($"{SavedPreloadVariable}={previous}"));
        Exec(executable, arguments, environment);
    }

    /// <summary>The allocator serving this process, for the bench commands' first line.</summary>
    public static string ActiveName()
    {
        if (!OperatingSystem.IsLinux()) return "system malloc";
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                if (line.Contains("libtcmalloc", StringComparison.Ordinal)) return "tcmalloc";
                if (line.Contains("libjemalloc", StringComparison.Ordinal)) return "jemalloc";
                if (line.Contains("libmimalloc", StringComparison.Ordinal)) return "mimalloc";
            }
        }
        catch (IOException) { }
        return "glibc malloc";
    }

    /// <summary>The installed tcmalloc library, or null.</summary>
    public static string? FindLibrary() =>
        LibraryFolders.Select(folder => Path.Combine(folder, LibraryName)).FirstOrDefault(File.Exists);

    private static bool StartsWith(byte[] entry, string prefix) =>
        entry.AsSpan().StartsWith(Encoding.UTF8.GetBytes(prefix));

    private static List<byte[]> SplitNulTerminated(byte[] bytes)
    {
        var parts = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != 0) continue;
            parts.Add(bytes[start..i]);
            start = i + 1;
        }
        return parts;
    }

    private static void Exec(string executable, List<byte[]> arguments, List<byte[]> environment)
    {
        var argv = ToNativeStrings(arguments);
        var envp = ToNativeStrings(environment);
        execve(executable, argv, envp);
        // Only reached when exec failed: go on with the allocator the process has.
        foreach (var p in argv.Concat(envp).Where(p => p != IntPtr.Zero)) Marshal.FreeHGlobal(p);
    }

    /// <summary>NUL-terminated copies in native memory, followed by the null pointer execve expects.</summary>
    private static IntPtr[] ToNativeStrings(List<byte[]> values)
    {
        var pointers = new IntPtr[values.Count + 1];
        for (int i = 0; i < values.Count; i++)
        {
            pointers[i] = Marshal.AllocHGlobal(values[i].Length + 1);
            Marshal.Copy(values[i], 0, pointers[i], values[i].Length);
            Marshal.WriteByte(pointers[i], values[i].Length, 0);
        }
        return pointers;
    }
}
