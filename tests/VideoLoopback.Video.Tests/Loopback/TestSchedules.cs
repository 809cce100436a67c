using VideoLoopback.Video.Loopback;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>The schedule compiler the engine tests render with.</summary>
public static class TestSchedules
{
    public static readonly IScheduleCompiler Compiler = ScheduleCompilers.Default;
}
