namespace VideoLoopback.Video.Loopback;

/// <summary>Where a render is: 1-based loop and frame, frames finished in this run and in the whole job.</summary>
public sealed record RenderProgress(int Loop, int LoopCount, int Frame, int FrameCount, long FramesDone, long FramesTotal, TimeSpan Elapsed, long FramesRenderedThisRun);
