namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>Drops the kernel's clean page cache so a read benchmark hits the disk (needs root on Linux).</summary>
public static class PageCache
{
    private const string DropCaches = "/proc/sys/vm/drop_caches";

    /// <summary>Flushes dirty pages and drops the page cache; false when this process is not allowed to.</summary>
    public static bool TryDrop()
    {
        try
        {
            using (var sync = System.Diagnostics.Process.Start("sync"))
                sync?.WaitForExit();
            File.WriteAllText(DropCaches, "1");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
