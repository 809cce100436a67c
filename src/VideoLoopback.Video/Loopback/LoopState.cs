using System.Diagnostics;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// What a render carries from frame to frame and loop to loop: the current loop's frames and the temporal windows over
/// them and over the reference frames, the per-frame parameters and masks, the checkpoint writer and the video queue, and the
/// progress (frames rendered, videos written). Disposes the loop frames it took over (never the inputs), the writer and the queue.
/// </summary>
internal sealed class LoopState : IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<TemporalWindow> _referenceWindows;
    private readonly List<string> _videos = [];
    private readonly int _windowSize;
    private readonly int _loopCount;
    private TemporalWindow? _window;

    /// <param name="job">The render's job: its loop count and temporal window size.</param>
    /// <param name="inputs">The input frames, loop 1's frames; owned by the caller.</param>
    /// <param name="references">The frames each reference folder gives (the inputs when there is none); owned by the caller.</param>
    /// <param name="options">Where progress and warnings go.</param>
    public LoopState(JobSpec job, FrameStore inputs, IReadOnlyList<FrameStore> references, RenderOptions options)
    {
        _windowSize = job.TemporalAlphas().Count;
        _loopCount = job.LoopN;
        Inputs = Current = inputs;
        References = references;
        Options = options;
        _referenceWindows = references.Select(r => new TemporalWindow(r.Count, _windowSize)).ToList();
    }

    public FrameStore Inputs { get; }

    /// <summary>This loop's input frames: the inputs, then each loop's output.</summary>
    public FrameStore Current { get; private set; }

    public IReadOnlyList<FrameStore> References { get; }

    public required ParameterSequence Sequence { get; init; }

    public required MaskSource Masks { get; init; }

    public RenderOptions Options { get; }

    /// <summary>The frame memory budget every loop's store shares (none: all frames on the device).</summary>
    public FrameMemoryPlan? Memory { get; init; }

    /// <summary>A store for a loop's frames under <see cref="Memory"/>, taking over <paramref name="frames"/>.</summary>
    public FrameStore NewStore(IEnumerable<SourceFrame> frames) => new(frames, Memory);

    public CheckpointWriter Writer { get; } = new();

    public VideoQueue VideoQueue { get; } = new();

    /// <summary>The window over <see cref="Current"/>, from <see cref="StartLoop"/> on.</summary>
    public TemporalWindow Window => _window ?? throw new InvalidOperationException("no loop started");

    public IReadOnlyList<TemporalWindow> ReferenceWindows => _referenceWindows;

    public long FramesRendered { get; private set; }

    /// <summary>The videos written so far, in the order they were queued.</summary>
    public IReadOnlyList<string> Videos
    {
        get { lock (_videos) return _videos.ToList(); }
    }

    /// <summary>Windows back at the first frame of the loop.</summary>
    public void StartLoop()
    {
        _window = new TemporalWindow(Current.Count, _windowSize);
        foreach (var w in _referenceWindows) w.Reset();
    }

    /// <summary>Every window one frame on.</summary>
    public void MoveNext()
    {
        Window.MoveNext();
        foreach (var w in _referenceWindows) w.MoveNext();
    }

    /// <summary>The next loop's frames replace this loop's (disposed unless they are the inputs).</summary>
    public void Replace(FrameStore next)
    {
        if (!ReferenceEquals(Current, Inputs)) Current.Dispose();
        Current = next;
    }

    /// <summary>Frame <paramref name="index"/> (0-based) of loop <paramref name="loop"/> (0-based) is rendered.</summary>
    public void FrameRendered(int loop, int index)
    {
        FramesRendered++;
        int count = Current.Count;
        Options.Progress?.Report(new RenderProgress(loop + 1, _loopCount, index + 1, count,
            (long)loop * count + index + 1, (long)_loopCount * count, _clock.Elapsed, FramesRendered));
    }

    /// <summary>A video is written whole (called from the video queue's thread).</summary>
    public void VideoWritten(string path)
    {
        lock (_videos) _videos.Add(path);
    }

    public void Dispose()
    {
        if (!ReferenceEquals(Current, Inputs)) Current.Dispose();
        Writer.Dispose();
        VideoQueue.Dispose();
    }
}
