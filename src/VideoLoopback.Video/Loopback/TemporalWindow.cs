namespace VideoLoopback.Video.Loopback;

/// <summary>
/// The sliding window of the original's TemporalImageBlender, as frame indices. The window starts with frames 0..h
/// (h = size/2); each step appends frame i+h when it exists and drops the oldest frame only once i-h > 0, otherwise the
/// current position moves right. At the end of the list the position stays on the last frame.
/// </summary>
public sealed class TemporalWindow
{
    private readonly int _count;
    private readonly int _half;
    private readonly List<int> _frames = [];

    public TemporalWindow(int frameCount, int windowSize)
    {
        if (windowSize % 2 != 1) throw new ArgumentException("the temporal window size must be odd", nameof(windowSize));
        if (frameCount < windowSize / 2 + 1)
            throw new JobException($"{frameCount} frame(s) are too few for a temporal window of {windowSize}: at least {windowSize / 2 + 1} are needed");
        _count = frameCount;
        _half = windowSize / 2;
        Reset();
    }

    /// <summary>Index of the current frame in the frame list (<c>current_i</c>).</summary>
    public int CurrentIndex { get; private set; }

    /// <summary>Position of the current frame inside <see cref="Frames"/> (<c>current_pos</c>).</summary>
    public int CurrentPosition { get; private set; }

    /// <summary>The frame indices in the window, oldest first.</summary>
    public IReadOnlyList<int> Frames => _frames;

    public int CurrentFrame => _frames[CurrentPosition];

    /// <summary>The weights that pair with <see cref="Frames"/>: <c>alphas[-(current_i + h + 1):]</c>, zipped (shortest wins).</summary>
    public IEnumerable<(double Alpha, int Frame)> Weighted(IReadOnlyList<double> alphas)
    {
        int take = CurrentIndex + _half + 1;
        int start = Math.Max(0, alphas.Count - take);
        for (int j = 0; start + j < alphas.Count && j < _frames.Count; j++)
            yield return (alphas[start + j], _frames[j]);
    }

    public void MoveNext()
    {
        CurrentIndex++;
        if (CurrentIndex >= _count)
        {
            CurrentIndex = _count - 1;
            return;
        }
        if (CurrentIndex + _half < _count) _frames.Add(CurrentIndex + _half);
        if (CurrentIndex - _half > 0) _frames.RemoveAt(0);
        else CurrentPosition++;
    }

    public void Reset()
    {
        _frames.Clear();
        for (int i = 0; i <= _half; i++) _frames.Add(i);
        CurrentIndex = 0;
        CurrentPosition = 0;
    }
}
