using VideoLoopback.Video.Imaging;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// Writes finished frames as PNG on a background thread, off the render's hot path. Each file is written under a
/// temporary name of its own and renamed (<see cref="AtomicFile"/>), so a file that exists under its final name is
/// complete (resume relies on it and reads only final names). A write failure (disk full, ...) surfaces as itself at the
/// next <see cref="Enqueue"/>, <see cref="Flush"/> or <see cref="Complete"/>.
/// </summary>
public sealed class CheckpointWriter : IDisposable
{
    private readonly Channel<(string Path, Tensor Frame)> _queue = Channel.CreateBounded<(string, Tensor)>(64);
    private readonly Task _worker;
    private readonly object _gate = new();
    private int _pending;
    private ExceptionDispatchInfo? _failure;

    public CheckpointWriter() => _worker = Task.Run(WriteAll);

    /// <summary>Queues a copy of <paramref name="frame"/> (uint8 <c>[C,H,W]</c>); blocks only when many writes are pending.</summary>
    public void Enqueue(string path, Tensor frame)
    {
        ThrowIfFailed();
        var copy = frame.cpu().clone();
        copy.DetachFromDisposeScope();
        lock (_gate) _pending++;
        try
        {
            if (!_queue.Writer.TryWrite((path, copy)))
                _queue.Writer.WriteAsync((path, copy)).AsTask().GetAwaiter().GetResult();
        }
        catch (ChannelClosedException)
        {
            copy.Dispose();
            ThrowIfFailed();
            throw;
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

    private void ThrowIfFailed() => _failure?.Throw();

    private async Task WriteAll()
    {
        try
        {
            await foreach (var (path, frame) in _queue.Reader.ReadAllAsync())
            {
                using (frame) WriteFile(path, frame);
                lock (_gate)
                {
                    _pending--;
                    Monitor.PulseAll(_gate);
                }
                KillPoint.Passed();
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
            while (_queue.Reader.TryRead(out var left)) left.Frame.Dispose();
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
