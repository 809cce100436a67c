namespace VideoLoopback.Video.Loopback;

/// <summary>The schedule language renders use.</summary>
public static class ScheduleCompilers
{
    public static IScheduleCompiler Default { get; } = new PythonScheduleCompiler();
}
