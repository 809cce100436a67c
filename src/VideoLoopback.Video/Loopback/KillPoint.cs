namespace VideoLoopback.Video.Loopback;

/// <summary>
/// A hard-kill hook for the interrupted-run tests: with <c>VIDEOLOOPBACK_KILL_AFTER=N</c> set, the process kills itself
/// (SIGKILL, as <c>kill -9</c>) right after its N-th durable write (a frame renamed into place, the resume record
/// rewritten), so a test can stop a render at an exact, repeatable point. Unset, it does nothing.
/// </summary>
public static class KillPoint
{
    private static readonly int After =
        int.TryParse(Environment.GetEnvironmentVariable("VIDEOLOOPBACK_KILL_AFTER"), out var n) && n > 0 ? n : 0;

    private static int _passed;

    public static void Passed()
    {
        if (After == 0) return;
        if (Interlocked.Increment(ref _passed) >= After) System.Diagnostics.Process.GetCurrentProcess().Kill();
    }
}
