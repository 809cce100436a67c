using VideoLoopback.Video.Imaging;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// Writes finished frames as PNG on a background thread, off the render's hot path, in the order they were queued. A batch's
/// host copies are started together without waiting for the device (<see cref="HostFrames"/>); the writer thread waits for
/// them before encoding. Each file is written under a temporary name of its own and renamed (<see cref="AtomicFile"/>), so a
/// file that exists under its final name is complete (resume relies on it and reads only final names). A write failure
/// (disk full, ...) surfaces as itself at the next <see cref="Enqueue(string, Tensor)"/>, <see cref="Flush"/> or
/// <see cref="Complete"/>.
/// </summary>
public sealed class CheckpointWriter : IDisposable
{
    /// <summary>Frames per queued item: a loop's worth queued at once (post-process) is copied a part at a time.</summary>
    private const int ChunkFrames = 16;

    /// <summary>Frames that may wait for the disk before <see cref="Enqueue(IReadOnlyList{ValueTuple{string, Tensor}})"/> blocks.</summary>
    private const int MaxPendingFrames = 64;

    private readonly Channel<(IReadOnlyList<string> Paths, HostFrames Frames)> _queue =
        Channel.CreateUnbounded<(IReadOnlyList<string>, HostFrames)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _worker;
    private readonly object _gate = new();
    private int _pending;
    private ExceptionDispatchInfo? _failure;

    public CheckpointWriter() => _worker = Task.Run(WriteAll);

    /// <summary>Queues a copy of <paramref name="frame"/> (uint8 <c>[C,H,W]</c>); blocks only when many writes are pending.</summary>
    public void Enqueue(string path, Tensor frame) => Enqueue([(path, frame)]);

    /// <summary>
    /// Queues copies of <paramref name="frames"/> (uint8 <c>[C,H,W]</c> each), written in this order after everything queued
    /// before; their device-to-host copies are issued together and not waited for here.
    /// </summary>
    public void Enqueue(IReadOnlyList<(string Path, Tensor Frame)> frames)
    {
        for (int start = 0; start < frames.Count; start += ChunkFrames)
        {
            var chunk = frames.Skip(start).Take(ChunkFrames).ToList();
            lock (_gate)
            {
                // Bounded by frames: the render runs ahead of the disk by at most about MaxPendingFrames.
                while (_pending > 0 && _pending + chunk.Count > MaxPendingFrames && _failure is null) Monitor.Wait(_gate);
                ThrowIfFailed();
                _pending += chunk.Count;
            }
            HostFrames copies;
            try
            {
                copies = HostFrames.Start(chunk.Select(f => f.Frame));
            }
            catch
            {
                lock (_gate) _pending -= chunk.Count;
                throw;
            }
            if (!_queue.Writer.TryWrite(((IReadOnlyList<string>)chunk.Select(f => f.Path).ToList(), copies)))
            {
                copies.Dispose();
                ThrowIfFailed();
                throw new InvalidOperationException("the checkpoint writer is closed");
            }
        }
    }

    /// <summary>Waits until every frame queued so far is on disk under its final name; rethrows a write failure.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            while (_pending > 0 && _failure is null) Monitor.Wait(_gate);
        }
        ThrowIfFailed();
    }

    /// <summary>Waits until every queued frame is on disk; rethrows a write failure.</summary>
    public void Complete()
    {
        _queue.Writer.TryComplete();
        try { _worker.GetAwaiter().GetResult(); }
        catch (Exception) when (_failure is not null) { }
        ThrowIfFailed();
    }

    /// <summary>Rethrows a write failure, if there was one, without waiting.</summary>
    public void ThrowIfFailed() => _failure?.Throw();

    private async Task WriteAll()
    {
        try
        {
            await foreach (var (paths, frames) in _queue.Reader.ReadAllAsync())
            {
                using (frames)
                {
                    frames.WaitForDevice();
                    for (int i = 0; i < paths.Count; i++)
                    {
                        WriteFile(paths[i], frames.Frames[i]);
                        lock (_gate)
                        {
                            _pending--;
                            Monitor.PulseAll(_gate);
                        }
                        KillPoint.Passed();
                    }
                }
            }
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
                Monitor.PulseAll(_gate);
            }
            // Later Enqueue calls fail instead of waiting on a queue nobody drains; the queued frames are freed.
            _queue.Writer.TryComplete(e);
            while (_queue.Reader.TryRead(out var left)) left.Frames.Dispose();
            throw;
        }
    }

    private static void WriteFile(string path, Tensor frame)
    {
        var png = ImageFile.EncodePng(frame);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        AtomicFile.Write(path, png);
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        try { _worker.Wait(); } catch (AggregateException) { }
    }
}
