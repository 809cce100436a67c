using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// All frames of one loop, in order; owns their tensors. Without a plan, or while its share of the frame memory budget
/// holds them, every frame stays on the device as it was given. Past the share, frames go to a <see cref="FrameSpill"/>
/// and only the most recently used stay on the device (at least the plan's working set: the current batches' windows);
/// the others are read back when indexed. A frame's tensor stays valid until that many other frames have been used since.
/// </summary>
public sealed class FrameStore : IDisposable
{
    private readonly FrameMemoryPlan? _plan;
    private readonly List<SourceFrame> _frames = [];
    // Spilled: each frame's name, path and slot; the slots on the device, most recently used last.
    private readonly List<(string Name, string? Path, int Slot)> _entries = [];
    private readonly Dictionary<int, (Tensor Pixels, LinkedListNode<int> Use)> _resident = [];
    private readonly LinkedList<int> _uses = [];
    private FrameSpill? _spill;
    private Tensor? _lastAdded;
    private long _bytes;

    /// <summary>Takes over <paramref name="frames"/>, all kept on the device.</summary>
    public FrameStore(IEnumerable<SourceFrame> frames) : this(frames, null) { }

    /// <summary>Takes over <paramref name="frames"/> (read one by one), spilling past the share <paramref name="plan"/> gives a store.</summary>
    public FrameStore(IEnumerable<SourceFrame> frames, FrameMemoryPlan? plan)
    {
        _plan = plan;
        try
        {
            AddRange(frames);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Count => _spill is null ? _frames.Count : _entries.Count;

    /// <summary>Whether frames live in a spill (off the device) rather than all on the device.</summary>
    public bool Spilled => _spill is not null;

    /// <summary>Bytes of all distinct frames (frames of a repeated image count once), on the device or not.</summary>
    public long Bytes => _bytes;

    /// <summary>Distinct frame tensors on the device now.</summary>
    public int ResidentFrames => _spill is null ? DistinctTensors(_frames).Count() : _resident.Count;

    /// <summary>The frames in order; with a spill each is read back as it is indexed.</summary>
    public IReadOnlyList<SourceFrame> Frames => _spill is null ? _frames : new SpilledFrames(this);

    public SourceFrame this[int index] => _spill is null ? _frames[index] : Materialise(index);

    /// <summary>Takes over <paramref name="frame"/>; a frame sharing the previous frame's tensor (a repeated image) shares its slot.</summary>
    public void Add(SourceFrame frame)
    {
        bool repeated = ReferenceEquals(frame.Pixels, _lastAdded);
        _lastAdded = frame.Pixels;
        if (!repeated) _bytes += frame.Pixels.NumberOfElements * frame.Pixels.ElementSize;
        if (_spill is null)
        {
            _frames.Add(frame);
            if (_plan is not null && !repeated && _bytes > _plan.StoreShareBytes) StartSpilling();
            return;
        }
        AddToSpill(frame, repeated);
    }

    public void AddRange(IEnumerable<SourceFrame> frames)
    {
        foreach (var frame in frames) Add(frame);
    }

    /// <summary>
    /// Hands every frame to the caller as a device tensor it owns (read back from the spill where needed) and empties the
    /// store: for work on a whole loop at once.
    /// </summary>
    public List<SourceFrame> Release()
    {
        if (_spill is null)
        {
            var frames = _frames.ToList();
            _frames.Clear();
            return frames;
        }
        var device = _plan!.Device;
        var released = new List<SourceFrame>(_entries.Count);
        foreach (var (name, path, slot) in _entries)
        {
            var pixels = _spill.Read(slot, device);
            pixels.DetachFromDisposeScope();
            released.Add(new SourceFrame(pixels, name, path));
        }
        Dispose();
        _entries.Clear();
        return released;
    }

    public void Dispose()
    {
        foreach (var t in DistinctTensors(_frames)) t.Dispose();
        _frames.Clear();
        foreach (var (pixels, _) in _resident.Values) pixels.Dispose();
        _resident.Clear();
        _uses.Clear();
        _spill?.Dispose();
    }

    // Frames of a repeated single image share one tensor.
    private static IEnumerable<Tensor> DistinctTensors(List<SourceFrame> frames) =>
        frames.Select(f => f.Pixels).Distinct(ReferenceEqualityComparer.Instance).Cast<Tensor>();

    private void StartSpilling()
    {
        _spill = FrameSpill.For(_plan!.Device, _plan.SpillFolder);
        Tensor? previous = null;
        foreach (var frame in _frames)
        {
            bool repeated = ReferenceEquals(frame.Pixels, previous);
            previous = frame.Pixels;
            AddToSpill(frame, repeated);
        }
        _frames.Clear();
    }

    /// <summary>Writes a frame to the spill (a repeat of the previous one shares its slot) and keeps it on the device as just used.</summary>
    private void AddToSpill(SourceFrame frame, bool repeated)
    {
        int slot = repeated ? _entries[^1].Slot : _spill!.Write(frame.Pixels);
        _entries.Add((frame.Name, frame.Path, slot));
        if (!repeated) Keep(slot, frame.Pixels);
    }

    private SourceFrame Materialise(int index)
    {
        var (name, path, slot) = _entries[index];
        if (_resident.TryGetValue(slot, out var resident))
        {
            _uses.Remove(resident.Use);
            _uses.AddLast(resident.Use);
            return new SourceFrame(resident.Pixels, name, path);
        }
        var pixels = _spill!.Read(slot, _plan!.Device);
        // Owned by the store, whatever dispose scope the caller reads it in.
        pixels.DetachFromDisposeScope();
        Keep(slot, pixels);
        return new SourceFrame(pixels, name, path);
    }

    /// <summary>Keeps a slot's tensor on the device as the most recently used, then drops the least recently used past the share.</summary>
    private void Keep(int slot, Tensor pixels)
    {
        _resident[slot] = (pixels, _uses.AddLast(slot));
        long frameBytes = pixels.NumberOfElements * pixels.ElementSize;
        while (_resident.Count > _plan!.ResidentFrames(frameBytes))
        {
            int oldest = _uses.First!.Value;
            _uses.RemoveFirst();
            _resident.Remove(oldest, out var evicted);
            evicted.Pixels.Dispose();
        }
    }

    /// <summary>The frames of a spilled store as a list, each read as it is indexed.</summary>
    private sealed class SpilledFrames(FrameStore store) : IReadOnlyList<SourceFrame>
    {
        public int Count => store.Count;

        public SourceFrame this[int index] => store[index];

        public IEnumerator<SourceFrame> GetEnumerator()
        {
            for (int i = 0; i < store.Count; i++) yield return store[i];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
